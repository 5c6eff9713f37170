/**
 * Python faults on Node: test/faults/python/faults.py under the built `wsgi-edge serve` (a child process,
 * over the wire): the shared fault cases (suite.ts, python-suite.ts), a dead interpreter ending the
 * process (these under each supported Pyodide), `--workers` replacing a worker whose interpreter died,
 * and the apps that cannot load.
 */
import { get as httpGet } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outputContaining, runCli, startCli, type CliProcess } from '../helpers/cli.ts';
import { AWKWARD_VALUE, expectProcessEnvironment, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';
import { PYODIDE_VERSIONS, type PyodideVersion } from '../helpers/pyodide-versions.ts';
import { expectInterpreterDeath, pythonFaultSuite } from './python-suite.ts';
import { faultSuite } from './suite.ts';

const FIXTURE = 'test/faults/python/faults.py';
const FIXTURE_DIR = resolve('test/faults/python');
const BROKEN_DIR = resolve('test/faults/python/broken');
/** The servers start from the fixture's snapshot (a fresh Pyodide's start is cli.test.ts's to show): `wsgi-edge serve --snapshot`. */
const FROM_SNAPSHOT = ['--snapshot', inject('pythonFaultsSnapshot')];
/** The fixture served by `version`'s command, from the snapshot that version made in the global setup. */
const serveFixture = (version: PyodideVersion, args: readonly string[] = []) =>
  startCli([FIXTURE, '--snapshot', inject('pythonFaultsSnapshots')[version.name]!, ...args], {}, version.cli);

interface WhoAmI {
  interpreter: string;
  served: number;
  pid: number;
  multiprocess: boolean;
  path: string[];
}

/** A GET on a connection of its own (no keep-alive), so that the cluster hands each to the next worker. */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    httpGet(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolvePromise({ status: response.statusCode!, body }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(PYODIDE_VERSIONS)('Python faults: wsgi-edge serve on Node, one process, Pyodide $name', (version) => {
  let server: CliProcess;
  beforeAll(async () => {
    server = await serveFixture(version);
  });
  afterAll(() => server?.stop());
  const target = { name: `python on node (Pyodide ${version.name})`, baseUrl: () => server.url, output: () => server.output() };

  it('serves a Python file with its folder first on sys.path, as one process', async () => {
    const whoami = await (await fetch(new URL('whoami', server.url))).json() as WhoAmI;
    expect(whoami.path[0]).toBe(FIXTURE_DIR);
    expect(whoami.multiprocess).toBe(false);
    expect(whoami.pid).toBe(server.child.pid);
  });

  faultSuite({ ...target, disconnect: 'closes', requestBody: { readAhead: true, errorsOutput: target.output } });
  pythonFaultSuite(target);

  it('SystemExit after headers cuts the body, still runs close(), and the process exits with one line', async () => {
    await expectInterpreterDeath({ ...target, exited: server.exited }, '/exit-after?id=exit-after', {
      afterHeaders: true,
      reason: 'The Python interpreter stopped serving: the app raised SystemExit(4)',
    });
    expect(server.output()).toContain('fault fixture: close() ran for /exit-after?id=exit-after\n');
  });
});

describe.each(PYODIDE_VERSIONS)('Python faults: a wasm stack overflow under wsgi-edge serve on Node, Pyodide $name', (version) => {
  let server: CliProcess;
  beforeAll(async () => {
    server = await serveFixture(version);
  });
  afterAll(() => server?.stop());

  it('answers 500 and the process exits with one line naming the RangeError', async () => {
    await expectInterpreterDeath({ name: 'overflow', baseUrl: () => server.url, output: () => server.output(), exited: server.exited }, '/overflow-before', {
      afterHeaders: false,
      reason: 'The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded',
    });
    // Pyodide says so itself, on the server's side only.
    expect(server.output()).toContain('Pyodide has suffered a fatal error');
  });
});

describe('Python faults: wsgi-edge serve --workers 2 on Node', () => {
  let server: CliProcess;
  const env = { [RUN_ONLY]: AWKWARD_VALUE };
  beforeAll(async () => {
    server = await startCli([FIXTURE, ...FROM_SNAPSHOT, '--workers', '2', '--max-restarts', '1'], env);
  });
  afterAll(() => server?.stop());

  it('gives each worker the process environment as os.environ, none of where the snapshot was made', async () => {
    const answers = new Map<number, Record<string, string>>();
    for (let i = 0; i < 20 && answers.size < 2; i++) {
      const { pid, environ } = JSON.parse((await getFresh(new URL('os-environ', server.url).href)).body) as { pid: number; environ: Record<string, string> };
      answers.set(pid, environ);
    }
    expect(answers.size).toBe(2);
    for (const environ of answers.values()) {
      expect(environ[RUN_ONLY]).toBe(AWKWARD_VALUE);
      expect(environ[SNAPSHOT_ONLY]).toBeUndefined();
      expectProcessEnvironment(environ, { ...process.env, ...env });
    }
  });

  it('replaces a worker whose interpreter died with a fresh one, and stops all at a second death within a minute', { timeout: 120_000 }, async () => {
    expect(server.output()).toContain(`Serving ${FIXTURE}:application on ${server.url} with 2 workers\n`);
    const serving = () => [...server.output().matchAll(/^wsgi-edge: worker (\d+) is serving$/gm)].map((match) => Number(match[1]));
    const first = serving();
    expect(first).toHaveLength(2);

    const before: WhoAmI[] = [];
    for (let i = 0; i < 2; i++) before.push(JSON.parse((await getFresh(new URL('whoami', server.url).href)).body) as WhoAmI);
    for (const answer of before) {
      expect(answer.multiprocess).toBe(true);
      expect(first).toContain(answer.pid);
    }

    const fatal = await getFresh(new URL('exit-before', server.url).href);
    expect(fatal.status).toBe(500);
    expect(fatal.body).not.toContain('SystemExit');
    const died = /^wsgi-edge: The Python interpreter stopped serving: the app raised SystemExit\(3\); worker (\d+) exits and is replaced$/m
      .exec(await outputContaining(server.output, 'exits and is replaced'));
    const dead = Number(died?.[1]);
    expect(first).toContain(dead);
    await outputContaining(server.output, `wsgi-edge: worker ${dead} exited with status 3; starting a replacement`);
    // Bounded (100 s): loading Pyodide takes seconds of CPU, more when other suites share the cores.
    for (let i = 0; i < 5000 && serving().length < 3; i++) await new Promise((wait) => setTimeout(wait, 20));
    const replacement = serving()[2]!;
    expect(first).not.toContain(replacement);

    const after: WhoAmI[] = [];
    for (let i = 0; i < 4; i++) after.push(JSON.parse((await getFresh(new URL('whoami', server.url).href)).body) as WhoAmI);
    expect(after.map((answer) => answer.pid)).not.toContain(dead);
    const fresh = after.find((answer) => answer.pid === replacement);
    // A fresh interpreter: its count starts again. (The token drawn at import is the snapshot's, in every
    // worker restored from it, as module state is in every worker gunicorn --preload forks.)
    expect(fresh).toMatchObject({ served: 1, multiprocess: true });
    expect(isAlive(dead)).toBe(false);

    // A second death within the minute is over --max-restarts 1: the primary stops every worker.
    const cut = await fetch(new URL('overflow-after', server.url));
    expect(cut.status).toBe(200);
    const partial = await cut.text().catch(() => '');
    expect('partial'.startsWith(partial) || partial.startsWith('partial')).toBe(true);
    expect(await server.exited).toBe(1);
    const output = server.output();
    expect(output).toMatch(/^wsgi-edge: The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded; worker \d+ exits and is replaced$/m);
    expect(output).toMatch(/^wsgi-edge: worker \d+ exited with status 3: 2 workers exited within a minute, more than --max-restarts 1; stopping, since the app fails faster than workers can replace it$/m);
    for (const pid of [...first, replacement]) expect(isAlive(pid), `worker ${pid}`).toBe(false);
  });
});

describe('Python apps that cannot load, under wsgi-edge serve on Node', () => {
  // The messages for each kind of failure are test/python/load.test.ts's; here, what the command does with one.
  it('exit with status 2 and the message naming the module and sys.path; with --workers, the primary stops', { timeout: 120_000 }, async () => {
    const [importError, workers] = await Promise.all([
      runCli(['serve', 'test/faults/python/broken/import_error.py', '--port', '0']),
      runCli(['serve', 'test/faults/python/broken/import_error.py', '--workers', '2', '--port', '0']),
    ]);
    expect(importError.status).toBe(2);
    expect(importError.stdout).not.toContain('Serving');
    expect(importError.stderr).toContain(
      `wsgi-edge: cannot load the Python app "import_error:application": Importing 'import_error' failed ` +
      `(RuntimeError: fault-at-import); sys.path is ['${BROKEN_DIR}', `,
    );
    expect(importError.stderr).toContain(`File "${BROKEN_DIR}/import_error.py", line 2, in <module>`);

    // With --workers, a worker that never got to serve stops the primary instead of being forked again.
    expect(workers.status).toBe(1);
    expect(workers.stderr).toContain("Importing 'import_error' failed (RuntimeError: fault-at-import)");
    expect(workers.stderr).toMatch(/^wsgi-edge: worker \d+ exited with status 2 before it was serving \(it could not load the app or listen: see its error above\); stopping$/m);
    expect(workers.stdout).not.toContain('Serving');
  });
});
