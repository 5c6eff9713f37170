/**
 * `wsgi-edge serve`: the built command (dist/src/cli.js, the package's "bin") in a child process on a
 * free loopback port: the demo app by default, TypeScript modules on this Node (through tsx), a
 * JavaScript module, a named export, Python files, modules and factories (gunicorn's spelling), with
 * the process environment as os.environ, `--mount`, `--workers`, and the mistakes it reports.
 * (What a Python app's faults do to it: test/faults/python-node.test.ts.)
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForOutput } from '../deno/deno.ts';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import { CLI, runCli, startCli, type CliProcess } from '../helpers/cli.ts';
import { AWKWARD_VALUE, expectProcessEnvironment, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';

const SENTINEL = 'wsgi-edge-sentinel-7f3a9c';
const running: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** Starts `wsgi-edge serve ...args --port 0` and resolves once it says where it serves. */
async function serve(...args: string[]): Promise<CliProcess> {
  return serveWith({ WSGI_EDGE_SENTINEL: SENTINEL }, ...args);
}

async function serveWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliProcess> {
  const server = await startCli(args, env);
  running.push(server);
  return server;
}

/** What test/wsgiref/fixtures/factories.py's app answers. */
interface FactoryAnswer {
  config: { greeting: string; debug: boolean };
  made: number;
  factory_env: string | null;
  environ: Record<string, string>;
}

const FIXTURES = 'test/wsgiref/fixtures';

describe('wsgi-edge serve', () => {
  it('is the package bin, a Node script', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['wsgi-edge']).toBe(CLI);
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('with no module serves demoApp, whose environ never holds the process environment', async () => {
    const { url } = await serve();
    const response = await fetch(new URL('xyz?abc', url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('Hello world!\n\n')).toBe(true);
    expect(text).toContain("PATH_INFO = '/xyz'\n");
    expect(text).toContain("QUERY_STRING = 'abc'\n");
    expect(text).not.toContain(SENTINEL);
    expect(text).not.toContain('WSGI_EDGE_SENTINEL');
  });

  it('serves a TypeScript module by export name, on a Node without TypeScript support of its own', async () => {
    const { url } = await serve('test/wsgiref/fixtures/multi.ts:second');
    expect(await (await fetch(new URL('p', url))).text()).toBe('hello from second at /p');
    const seed = await serve('app/base64-app.ts:base64App');
    expect(await (await fetch(new URL('encode?mystring=hi', seed.url))).text()).toContain('aGk=');
  });

  it('serves a JavaScript module by its default export', async () => {
    const { url } = await serve('test/wsgiref/fixtures/plain.mjs', '--host', '127.0.0.1');
    expect(await (await fetch(url, { method: 'POST', body: '' })).text()).toBe('plain js POST');
  });

  it('reports a missing export, a missing module, a spelling that names no app and a bad port with exit status 2', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const ambiguous = run('serve', 'test/wsgiref/fixtures/multi.ts');
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toContain('test/wsgiref/fixtures/multi.ts has no WSGI app: expected a default, app or application export that is a function (its function exports: ["first","greeting","second"])');
    const wrong = run('serve', 'test/wsgiref/fixtures/multi.ts:third');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('expected an export "third"');
    const missing = run('serve', 'test/wsgiref/fixtures/nope.ts');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/No module at .*nope\.ts/);
    const port = run('serve', '--port', 'http');
    expect(port.status).toBe(2);
    expect(port.stderr).toContain('--port must be 0 to 65535 (got "http")');
    const workers = run('serve', 'app/wsgi_app.py', '--workers', '0');
    expect(workers.status).toBe(2);
    expect(workers.stderr).toContain('--workers must be 1 to 1024 (got "0")');
    const noFile = run('serve', 'app/nope.py');
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain(`No Python file at ${resolve('app/nope.py')}`);
    const noFolder = run('serve', 'wsgi_app', '--pythonpath', 'app,nope');
    expect(noFolder.status).toBe(2);
    expect(noFolder.stderr).toContain(`--pythonpath: no folder at ${resolve('nope')}`);
    const dotForColon = run('serve', 'flaskr.create_app()', '--pythonpath', 'app');
    expect(dotForColon.status).toBe(2);
    expect(dotForColon.stderr).toBe('"flaskr.create_app()" is not an app: did you mean "flaskr:create_app()"?\n');
    const nothing = run('serve', 'app/wsgi_app', '--pythonpath', 'app');
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toBe('"app/wsgi_app" is not an app: name a Python module (package.module[:callable]), a Python file ' +
      '(path/app.py[:callable]) or a JavaScript module (path/app.js[:export])\n');
    const snapshotOfJavaScript = run('snapshot', 'test/wsgiref/fixtures/plain.mjs', '--out', 'never.snapshot');
    expect(snapshotOfJavaScript.status).toBe(2);
    expect(snapshotOfJavaScript.stderr).toBe('wsgi-edge snapshot takes a Python app (got "test/wsgiref/fixtures/plain.mjs", a JavaScript module)\n');
    const notPython = run('serve', 'test/wsgiref/fixtures/plain.mjs', '--pythonpath', 'app');
    expect(notPython.status).toBe(2);
    expect(notPython.stderr).toContain('--pythonpath is for a Python app; test/wsgiref/fixtures/plain.mjs is a JavaScript module');
    const snapshotForJavaScript = run('serve', 'test/wsgiref/fixtures/plain.mjs', '--snapshot', 'package.json');
    expect(snapshotForJavaScript.status).toBe(2);
    expect(snapshotForJavaScript.stderr).toContain('--snapshot is for a Python app: name one');
    const notSnapshot = run('serve', 'app/wsgi_app.py', '--snapshot', 'package.json');
    expect(notSnapshot.status).toBe(2);
    expect(notSnapshot.stderr).toContain(`wsgi-edge: ${resolve('package.json')} is not a wsgi-edge snapshot (make one with wsgi-edge snapshot)`);
    const noSnapshot = run('serve', 'app/wsgi_app.py', '--snapshot', 'nope.snapshot');
    expect(noSnapshot.status).toBe(2);
    expect(noSnapshot.stderr).toContain(`wsgi-edge: cannot read the snapshot ${resolve('nope.snapshot')}: ENOENT`);
    const usage = run('run');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: wsgi-edge serve');
  });

  it('npm run start:python builds, then serves the seed\'s Python app (app/wsgi_app.py:simple_app) at HOST and PORT', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const [build, command] = pkg.scripts['start:python']!.split(' && ');
    expect(build).toBe('npm run build:js --silent');
    // The build ran in the global setup; running it here would rewrite dist/ under the other suites.
    const child = spawn('sh', ['-c', `exec ${command!}`], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
    child.stderr.on('data', (data: Buffer) => { output += data.toString(); });
    const exited = new Promise((done) => child.once('exit', done));
    try {
      const match = await waitForOutput(child, () => output, /^Serving app\/wsgi_app\.py:simple_app on (http:\/\/127\.0\.0\.1:\d+\/)$/m, 'npm run start:python');
      const page = await fetch(new URL('encode?mystring=hi', match[1]));
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<tt>&#x27;hi&#x27;</tt> base64 encoded is: <tt>aGk=</tt>');
      await expectAnswersAsCPython(match[1]!);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });

  it('serves a Python module:callable from --pythonpath folders (comma-separated, in order, then the working folder)', async () => {
    const { url } = await serve('faults:application', '--pythonpath', 'test/wsgiref/fixtures,test/faults/python');
    const whoami = await (await fetch(new URL('whoami', url))).json() as { path: string[]; multiprocess: boolean };
    expect(whoami.path).toEqual([resolve('test/wsgiref/fixtures'), resolve('test/faults/python'), process.cwd()]);
    expect(whoami.multiprocess).toBe(false);
  });

  it('--mount puts a host folder where the Python app reads it (Debian\'s pytz reads /usr/share/zoneinfo); not for a JavaScript app', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wsgi-edge-mount-'));
    try {
      writeFileSync(join(folder, 'UTC'), 'zone data');
      const { url } = await serve('test/build/fixtures/files_app.py', '--mount', `${folder}:/usr/share/zoneinfo`);
      expect(await (await fetch(new URL('abs/usr/share/zoneinfo/UTC', url))).text()).toBe('zone data');
      const refused = await runCli(['serve', 'app/serve.ts', '--mount', folder]);
      expect([refused.status, refused.stderr]).toEqual([2, '--mount is for a Python app: name one\n']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('serves an app factory called with literal arguments, once, with the process environment as os.environ', { timeout: 120_000 }, async () => {
    const spec = "factories:create_app({'greeting': 'hi: there (1)', 'debug': True})";
    const env = { WSGI_EDGE_FACTORY_ENV: 'at run time', [RUN_ONLY]: AWKWARD_VALUE };
    const server = await serveWith(env, spec, '--pythonpath', FIXTURES);
    expect(server.output()).toContain(`Serving ${spec} on ${server.url}\n`);
    const answer = await (await fetch(server.url)).json() as FactoryAnswer;
    expect(answer).toMatchObject({ config: { greeting: 'hi: there (1)', debug: true }, made: 1, factory_env: 'at run time' });
    expectProcessEnvironment(answer.environ, { ...process.env, ...env });
    expect((await (await fetch(server.url)).json() as FactoryAnswer).made).toBe(1);

    const byFile = await serve(`${FIXTURES}/factories.py:create_app()`);
    expect(await (await fetch(byFile.url)).json()).toMatchObject({ config: { greeting: 'hello', debug: false }, made: 1 });
  });

  it('snapshots a factory app: the process that serves it calls the factory again, with its own environment only', { timeout: 120_000 }, async () => {
    const spec = "factories:create_app({'greeting': 'from a snapshot'})";
    const scratch = mkdtempSync(join(tmpdir(), 'wsgi-edge-cli-'));
    try {
      const snapshot = join(scratch, 'factories.snapshot');
      await promisify(execFile)(process.execPath, [CLI, 'snapshot', spec, '--pythonpath', FIXTURES, '--out', snapshot], {
        env: { ...process.env, WSGI_EDGE_FACTORY_ENV: 'at snapshot time', [SNAPSHOT_ONLY]: 'made here' },
      });
      const env = { WSGI_EDGE_FACTORY_ENV: 'at run time', [RUN_ONLY]: AWKWARD_VALUE };
      const server = await serveWith(env, spec, '--pythonpath', FIXTURES, '--snapshot', snapshot);
      const answer = await (await fetch(server.url)).json() as FactoryAnswer;
      // Once while the snapshot was made, once in this process: the module's state is the snapshot's.
      expect(answer).toMatchObject({ config: { greeting: 'from a snapshot' }, made: 2, factory_env: 'at run time' });
      expect(answer.environ[SNAPSHOT_ONLY]).toBeUndefined();
      expectProcessEnvironment(answer.environ, { ...process.env, ...env });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('answers a Python app spec that names nothing, a factory that fails and a malformed call with one line and status 2', { timeout: 120_000 }, async () => {
    const fixtures = resolve(FIXTURES);
    const serveSpec = (spec: string) => runCli(['serve', spec, '--pythonpath', FIXTURES, '--port', '0']);
    // Each spelling's message is test_bridge.py's (CPython) to check; here, that the command ends with it.
    const cases: Array<[spec: string, message: string]> = [
      ['factories:create_app', 'wsgi-edge: cannot load the Python app "factories:create_app": create_app(test_config=None) cannot be ' +
        "called as a WSGI app is, app(environ, start_response): if it is a factory that makes the app, call it: 'factories:create_app()'"],
      ['factories:create_app(os.environ)', 'wsgi-edge: cannot load the Python app "factories:create_app(os.environ)": The arguments must be ' +
        "literals (str, bytes, numbers, True, False, None, and tuples, lists, dicts and sets of them), as gunicorn takes them: 'os.environ' is not one"],
      ['factories:nowhere', `wsgi-edge: cannot load the Python app "factories:nowhere": Module 'factories' (${fixtures}/factories.py) has no attribute 'nowhere'`],
      ['no_such_module:app', 'wsgi-edge: cannot load the Python app "no_such_module:app": No module named \'no_such_module\'; ' +
        `sys.path is ['${fixtures}', '${process.cwd()}', `],
    ];
    const runs = await Promise.all([...cases.map(([spec]) => serveSpec(spec)), serveSpec('factories:broken_factory()')]);
    cases.forEach(([spec, message], i) => {
      const { status, stdout, stderr } = runs[i]!;
      expect(status, spec).toBe(2);
      expect(stdout, spec).toBe('');
      expect(stderr.trimEnd().split('\n'), spec).toHaveLength(1);
      expect(stderr, spec).toContain(message);
    });
    // A factory that raises: what and where on the first line, then Python's traceback from the factory's frame (no JavaScript stack).
    const raised = runs[cases.length]!;
    expect(raised.status).toBe(2);
    const [first, ...traceback] = raised.stderr.trimEnd().split('\n');
    expect(first).toBe('wsgi-edge: cannot load the Python app "factories:broken_factory()": The factory raised RuntimeError: ' +
      `no database configured, at ${fixtures}/factories.py line 25`);
    expect(traceback).toEqual([
      'Traceback (most recent call last):',
      `  File "${fixtures}/factories.py", line 25, in broken_factory`,
      "    raise RuntimeError('no database configured')",
      'RuntimeError: no database configured',
    ]);
  });

  it('--workers 2 serves from two processes on one port, and SIGTERM stops them all', async () => {
    const server = await serve('test/wsgiref/fixtures/plain.mjs', '--workers', '2');
    expect(server.output()).toMatch(/^Serving test\/wsgiref\/fixtures\/plain\.mjs on http:\/\/127\.0\.0\.1:\d+\/ with 2 workers$/m);
    const workers = [...server.output().matchAll(/^wsgi-edge: worker (\d+) is serving$/gm)].map((match) => Number(match[1]));
    expect(workers).toHaveLength(2);
    expect(await (await fetch(server.url, { method: 'POST', body: '' })).text()).toBe('plain js POST');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid}`).toThrow();
  });
});
