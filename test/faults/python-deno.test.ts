/**
 * Python faults on Deno: test/faults/python/faults.py under a real `deno serve` (the entry
 * test/faults/python-deno-server.ts, through `wsgi-edge/deno` and `wsgi-edge/python` as published): the
 * shared fault cases (under each supported Pyodide, from the fixture's snapshot its own command made), a dead
 * interpreter ending the process, and an app that cannot load.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DENO, denoServe, quietDenoEnv, type DenoServer } from '../deno/deno.ts';
import { PYODIDE_VERSIONS, placeEntry } from '../helpers/pyodide-versions.ts';
import { expectInterpreterDeath, pythonFaultSuite } from './python-suite.ts';
import { faultSuite } from './suite.ts';

const ENTRY = 'test/faults/python-deno-server.ts';
/** What the entry needs: Pyodide's files and the app's, and the environment (Pyodide and FAULT_APP read it). */
const PERMISSIONS = ['--allow-read', '--allow-env'];
/** The servers that load the fixture start from its snapshot (a fresh Pyodide's start is the CLI suite's and the conformance suite's to show). */
const FROM_SNAPSHOT = { FAULT_SNAPSHOT: inject('pythonFaultsSnapshot') };

describe.each(PYODIDE_VERSIONS)('Python faults: deno serve, Pyodide $name', (version) => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(placeEntry(version, ENTRY), PERMISSIONS, { FAULT_SNAPSHOT: inject('pythonFaultsSnapshots')[version.name]! });
  });
  afterAll(() => server?.stop());
  const target = { name: `python on deno (Pyodide ${version.name})`, baseUrl: () => server.url, output: () => server.output() };

  faultSuite({ ...target, disconnect: 'closes', requestBody: { readAhead: true, errorsOutput: target.output } });
  pythonFaultSuite(target);

  it('SystemExit before headers answers 500, and the process exits with one line once the 500 is out', async () => {
    await expectInterpreterDeath({ ...target, exited: server.exited }, '/exit-before', {
      afterHeaders: false,
      reason: 'The Python interpreter stopped serving: the app raised SystemExit(3)',
    });
  });
});

describe('Python faults: a wasm stack overflow under deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(ENTRY, PERMISSIONS, FROM_SNAPSHOT);
  });
  afterAll(() => server?.stop());

  it('answers 500 and the process exits with one line naming the RangeError', async () => {
    await expectInterpreterDeath({ name: 'overflow', baseUrl: () => server.url, output: () => server.output(), exited: server.exited }, '/overflow-before', {
      afterHeaders: false,
      reason: 'The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded',
    });
  });
});

describe('Python apps that cannot load, under deno serve', () => {
  it('stop deno serve before it listens, with the message naming the module and sys.path', { timeout: 120_000 }, async () => {
    const broken = resolve('test/faults/python/broken');
    const child = spawn(DENO, ['serve', ...PERMISSIONS, '--host', '127.0.0.1', '--port', '0', ENTRY], {
      env: quietDenoEnv({ FAULT_APP: 'import_error:application', FAULT_PATH: broken }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
    child.stderr.on('data', (data: Buffer) => { output += data.toString(); });
    const status = await new Promise<number | null>((done) => child.once('close', done));
    expect(status).not.toBe(0);
    expect(output).not.toContain('Listening on');
    expect(output).toContain(
      `wsgi-edge: cannot load the Python app "import_error:application": Importing 'import_error' failed ` +
      `(RuntimeError: fault-at-import); sys.path is ['${broken}', `,
    );
  });
});
