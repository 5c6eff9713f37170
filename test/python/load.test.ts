/**
 * Loading in this process's Pyodide: loadPythonApp's error names what failed and where (the CLI and `deno
 * serve` stopping on it are test/faults/python-node.test.ts's and python-deno.test.ts's), and
 * lazyPythonApp, after the interpreter died, serves the next request from a fresh one; two apps in one
 * Pyodide die together; options.env in a Pyodide the caller loaded.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handle } from '../../src/index.ts';
import { defaultPyodide, InterpreterDeadError, lazyPythonApp, loadPythonApp } from '../../src/python/index.ts';

const BROKEN_DIR = resolve('test/faults/python/broken');
const FIXTURE_DIR = resolve('test/faults/python');

const failure = (app: string, path: string[]) => loadPythonApp({ app, path }).then(
  () => { throw new Error(`${app} loaded`); },
  (error: Error) => error.message,
);

describe('loadPythonApp on an app that cannot load', () => {
  it('an exception at import: the module, the exception, sys.path, and the traceback with the file and line', { timeout: 60_000 }, async () => {
    const message = await failure('import_error:application', [BROKEN_DIR]);
    expect(message).toContain(
      `wsgi-edge: cannot load the Python app "import_error:application": Importing 'import_error' failed ` +
      `(RuntimeError: fault-at-import); sys.path is ['${BROKEN_DIR}', `,
    );
    expect(message).toContain(`File "${BROKEN_DIR}/import_error.py", line 2, in <module>`);
  });

  it('a SyntaxError: its file, line and message', async () => {
    expect(await failure('syntax_error:application', [BROKEN_DIR])).toContain(
      `wsgi-edge: cannot load the Python app "syntax_error:application": SyntaxError in ${BROKEN_DIR}/syntax_error.py, line 3: expected ':'`,
    );
  });

  it('a missing callable: the module, its file and the name', async () => {
    expect(await failure('faults:nope', [FIXTURE_DIR])).toContain(
      `wsgi-edge: cannot load the Python app "faults:nope": Module 'faults' (${FIXTURE_DIR}/faults.py) has no attribute 'nope'`,
    );
  });

  it('a folder in path that does not exist: the folder, on one line', async () => {
    expect(await failure('faults:application', [FIXTURE_DIR, '/nonexistent/wsgi-edge'])).toBe(
      'wsgi-edge: cannot load the Python app "faults:application": no folder at /nonexistent/wsgi-edge (options.path)',
    );
  });

  it('a module that is not on the path: its name and sys.path', async () => {
    const message = await failure('no_such_module:application', [FIXTURE_DIR]);
    expect(message).toContain('wsgi-edge: cannot load the Python app "no_such_module:application"');
    expect(message).toContain(`sys.path is ['${FIXTURE_DIR}', `);
  });
});

describe('lazyPythonApp after the interpreter died', () => {
  it('answers that request 500, calls onFatal once, and serves the next from a fresh Pyodide', { timeout: 60_000 }, async () => {
    const deaths: InterpreterDeadError[] = [];
    const app = lazyPythonApp({ app: 'faults:application', path: [FIXTURE_DIR], onFatal: (error) => deaths.push(error) });
    const get = async (path: string) => {
      const response = await handle(app, new Request(`http://x.test${path}`), { errors: () => {} });
      return { status: response.status, text: await response.text() };
    };
    const before = JSON.parse((await get('/whoami')).text) as { interpreter: string; served: number };
    expect(JSON.parse((await get('/whoami')).text)).toMatchObject({ interpreter: before.interpreter, served: before.served + 1 });

    expect(await get('/exit-before')).toMatchObject({ status: 500 });
    expect(deaths.map((error) => error.message)).toEqual(['The Python interpreter stopped serving: the app raised SystemExit(3)']);

    // A new import in a new interpreter: another token, the count from 1.
    const after = JSON.parse((await get('/whoami')).text) as { interpreter: string; served: number };
    expect(after.served).toBe(1);
    expect(after.interpreter).not.toBe(before.interpreter);
    expect(deaths).toHaveLength(1);
  });
});

describe('two apps loaded into one Pyodide', () => {
  it('die together: the other app answers 500 without entering it, its onFatal is called, and no app loads into it again', { timeout: 60_000 }, async () => {
    const deaths: Record<'faults' | 'second', string[]> = { faults: [], second: [] };
    const pyodide = await defaultPyodide();
    const faults = await loadPythonApp({ app: 'faults:application', path: [FIXTURE_DIR], onFatal: (error) => deaths.faults.push(error.message) });
    const second = await loadPythonApp({
      app: 'second',
      files: { 'second.py': 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b"second"]\n' },
      onFatal: (error) => deaths.second.push(error.message),
    });
    const logged: string[] = [];
    const get = async (app: typeof faults, path: string) => {
      const response = await handle(app, new Request(`http://x.test${path}`), { errors: (line) => logged.push(line) });
      return { status: response.status, text: await response.text() };
    };
    expect(await get(second, '/')).toEqual({ status: 200, text: 'second' });

    expect(await get(faults, '/exit-before')).toMatchObject({ status: 500 });
    const death = 'The Python interpreter stopped serving: the app raised SystemExit(3)';
    expect(deaths).toEqual({ faults: [death], second: [death] });
    logged.length = 0;
    expect(await get(second, '/')).toMatchObject({ status: 500 });
    expect(logged.join('\n')).toContain(`InterpreterDeadError: ${death}`);
    await expect(loadPythonApp({ app: 'second', pyodide })).rejects.toThrow(InterpreterDeadError);

    // The shared Pyodide was dropped with it: the next load gets a fresh one.
    const again = await loadPythonApp({ app: 'faults:application', path: [FIXTURE_DIR] });
    expect(await defaultPyodide()).not.toBe(pyodide);
    expect(JSON.parse((await get(again, '/whoami')).text)).toMatchObject({ served: 1 });
    expect(deaths.second).toHaveLength(1);
  });
});

describe('a Python app\'s request body, read ahead before the call', () => {
  it('is held to maxBodyBytes: 413 over it, with or without a Content-Length, and the app never runs', { timeout: 60_000 }, async () => {
    const app = await loadPythonApp({ app: 'faults:application', path: [FIXTURE_DIR] });
    const logged: string[] = [];
    const options = { maxBodyBytes: 1024, errors: (line: string) => logged.push(line) };
    const post = (id: string, body: BodyInit) => handle(app, new Request(`http://x.test/upload?id=${id}`, { method: 'POST', body, duplex: 'half' } as RequestInit), options);
    const state = async (id: string) => JSON.parse(await (await handle(app, new Request(`http://x.test/state?id=${id}`), options)).text()) as { upload: unknown };

    const declared = await post('declared', new Uint8Array(2048));
    expect(declared.status).toBe(413);
    const streamed = await post('streamed', new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512));
        controller.close();
      },
    }));
    expect(streamed.status).toBe(413);
    expect(await state('declared')).toMatchObject({ upload: null });
    expect(await state('streamed')).toMatchObject({ upload: null });

    const within = await post('within', new Uint8Array(1024));
    expect(await within.text()).toBe('read 1024');
  });
});

describe('options.env and a Pyodide the caller loaded', () => {
  it('leaves its os.environ as the caller loaded it unless env is given, which then replaces all of it', { timeout: 60_000 }, async () => {
    const { loadPyodide } = await import('pyodide');
    const pyodide = await loadPyodide({ env: { FROM_THE_CALLER: 'loadPyodide env' } });
    const environ = async (env?: Record<string, string>) => {
      const app = await loadPythonApp({ app: 'faults:application', path: [FIXTURE_DIR], pyodide, ...(env ? { env } : {}) });
      return (JSON.parse(await (await handle(app, new Request('http://x.test/os-environ'))).text()) as { environ: Record<string, string> }).environ;
    };
    expect(await environ()).toMatchObject({ FROM_THE_CALLER: 'loadPyodide env', USER: 'web_user', HOME: '/home/pyodide' });
    expect(await environ({ GIVEN: 'options.env', HOME: '/srv' })).toEqual({ GIVEN: 'options.env', HOME: '/srv', LD_LIBRARY_PATH: expect.any(String) });
    // One Pyodide, one os.environ: the last app loaded into it set it.
    expect(await environ({ LAST: 'loaded' })).toEqual({ LAST: 'loaded', HOME: '/home/pyodide', LD_LIBRARY_PATH: expect.any(String) });
  });
});

describe('options.liveEnv', () => {
  it('has os.environ follow the named process variables request by request, set again or taken out, and no others', { timeout: 60_000 }, async () => {
    const { loadPyodide } = await import('pyodide');
    const pyodide = await loadPyodide();
    const app = await loadPythonApp({ app: 'faults:application', path: [FIXTURE_DIR], pyodide, env: { FOLLOWED: 'at load', FIXED: 'at load' }, liveEnv: ['FOLLOWED'] });
    const environ = async () => (JSON.parse(await (await handle(app, new Request('http://x.test/os-environ'))).text()) as { environ: Record<string, string> }).environ;
    const saved = { FOLLOWED: process.env.FOLLOWED, FIXED: process.env.FIXED };
    try {
      delete process.env.FOLLOWED;
      process.env.FIXED = 'changed, not followed';
      expect(await environ()).not.toHaveProperty('FOLLOWED');
      process.env.FOLLOWED = 'Root=1-first';
      expect(await environ()).toMatchObject({ FOLLOWED: 'Root=1-first', FIXED: 'at load' });
      process.env.FOLLOWED = 'Root=1-second';
      expect(await environ()).toMatchObject({ FOLLOWED: 'Root=1-second', FIXED: 'at load' });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
