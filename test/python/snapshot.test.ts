/**
 * src/python/snapshot.ts with the real Pyodide: a snapshot made after importing a module from a temporary
 * folder is restored in fresh Node and Deno processes with the module's state, and refused when it was
 * made for another app, path or Pyodide, or its sources changed. Through wsgi-edge/python: os.environ
 * after a restore is the loading process's environment alone.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PyodideInterface } from 'pyodide';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handle } from '../../src/index.ts';
import { loadPythonApp, snapshotPythonApp } from '../../src/python/index.ts';
import { loadSnapshot, parseSnapshot, SnapshotMismatchError, writeSnapshot, type SnapshotHeader } from '../../src/python/snapshot.ts';
import { parseSnapshotHeader } from '../../src/python/snapshot-format.ts';
import { DENO, quietDenoEnv } from '../deno/deno.ts';
import { AWKWARD_VALUE, expectProcessEnvironment, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';

const run = promisify(execFile);
const RESTORE = resolve('test/python/restore-snapshot.ts');
const COUNTER = `import random
COUNT = 0
TOKEN = random.random()

def bump():
    global COUNT
    COUNT += 1
    return COUNT

def app(environ, start_response):
    start_response('200 OK', [])
    return [b'%d' % bump()]
`;

interface Restored {
  count: number;
  token: number;
  random: number;
  lazy: string;
  onPath: number;
  emptyEntries: number;
  arrayBuffersAtOnce: number;
  arrayBuffers: number;
}

describe('memory snapshots of a Pyodide with the app imported', () => {
  let dir: string;
  let folder: string;
  let file: string;
  let header: SnapshotHeader;
  let tokenAtSnapshot: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-snapshot-'));
    folder = join(dir, 'app');
    file = join(dir, 'app.snapshot');
    await mkdir(folder);
    await writeFile(join(folder, 'counter_mod.py'), COUNTER);
    await writeFile(join(folder, 'lazy_mod.py'), "VALUE = 'imported after the restore'\n");
    header = await writeSnapshot(file, { app: 'counter_mod:app', path: [folder] }, (pyodide: PyodideInterface) => {
      pyodide.FS.mkdirTree(folder);
      pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, folder);
      tokenAtSnapshot = pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(folder)})
import counter_mod
counter_mod.bump(); counter_mod.bump()
counter_mod.TOKEN`) as number;
    });
  }, 180_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records what it was made of in its header', async () => {
    expect(header).toMatchObject({ format: 2, app: 'counter_mod:app', path: [folder], files: null });
    expect(header.pyodide).toBe((await import('pyodide')).version);
    expect(header.python).toMatch(/^3\.12\./);
    expect(Object.keys(header.sources)).toEqual([join(folder, 'counter_mod.py')]);
    expect(parseSnapshot(await readFile(file)).header).toEqual(header);
  });

  const expectRestored = (restored: Restored) => {
    expect(restored.count).toBe(3); // two bumps before the snapshot, one after
    expect(restored.token).toBe(tokenAtSnapshot);
    expect(restored.lazy).toBe('imported after the restore');
    expect(restored.onPath).toBeGreaterThanOrEqual(0);
    expect(restored.emptyEntries).toBe(1);
  };

  it('restores the module state in a fresh Node process, with random reseeded per process', async () => {
    // --single-threaded-gc: gc() then frees ArrayBuffers before it returns, where a background sweeper
    // would let the count read just after it still hold some that are gone (1 run in 3 here).
    const restore = async () => JSON.parse((await run(process.execPath, ['--expose-gc', '--single-threaded-gc', '--import', 'tsx', RESTORE, file, folder])).stdout) as Restored;
    const [first, second] = await Promise.all([restore(), restore()]);
    expectRestored(first);
    expectRestored(second);
    expect(first.random).not.toBe(second.random);
    // The snapshot's heap went from the file into wasm memory: even before any collection, the process
    // holds less in ArrayBuffers (the wasm file's bytes, not yet collected, and the standard library zip)
    // than the heap alone, where a buffer of the file would be all of it.
    const snapshotFile = (await stat(file)).size;
    expect(first.arrayBuffersAtOnce).toBeLessThan(snapshotFile - 1024 * 1024);
    expect(second.arrayBuffersAtOnce).toBeLessThan(snapshotFile - 1024 * 1024);
    // Nor is Pyodide's wasm file kept once loaded (its loader keeps it): after a collection what the
    // process holds (its standard library zip) is less than the wasm file alone.
    const wasmFile = await stat(resolve('node_modules/pyodide/pyodide.asm.wasm'));
    expect(snapshotFile).toBeGreaterThan(wasmFile.size);
    expect(first.arrayBuffers).toBeLessThan(wasmFile.size);
  }, 120_000);

  it('restores the snapshot made in Node under Deno', async () => {
    const { stdout } = await run(DENO, ['run', '--allow-read', '--allow-env', RESTORE, file, folder], { env: quietDenoEnv() });
    expectRestored(JSON.parse(stdout) as Restored);
  }, 120_000);

  it('refuses another app or another path, naming both', async () => {
    await expect(loadSnapshot(file, { app: 'counter_mod:other', path: [folder] })).rejects.toThrow(
      new RegExp(`of counter_mod:app with path .*${folder}.*not of counter_mod:other`),
    );
    await expect(loadSnapshot(file, { app: 'counter_mod:app', path: [dir] })).rejects.toBeInstanceOf(SnapshotMismatchError);
    await expect(loadSnapshot(file, { app: 'counter_mod:app', path: [folder], files: { 'x.py': '' } })).rejects.toThrow(/other files/);
  });

  it('refuses a snapshot made by another Pyodide, naming both versions', async () => {
    const other = join(dir, 'other-version.snapshot');
    const bytes = await readFile(file);
    const end = bytes.indexOf(0x0a);
    const line = bytes.subarray(0, end).toString().replace(`"pyodide":"${header.pyodide}"`, '"pyodide":"0.26.4"');
    await writeFile(other, Buffer.concat([Buffer.from(line), bytes.subarray(end)]));
    await expect(loadSnapshot(other, { app: 'counter_mod:app', path: [folder] })).rejects.toThrow(
      `made by Pyodide 0.26.4, but this is Pyodide ${header.pyodide}`,
    );
  });

  it('refuses a snapshot holding another version of the bridge, and records none when it holds none', async () => {
    expect(header.bridge).toBeNull();
    const other = join(dir, 'other-bridge.snapshot');
    const bytes = await readFile(file);
    const end = bytes.indexOf(0x0a);
    const line = bytes.subarray(0, end).toString().replace('"bridge":null', `"bridge":"${'0'.repeat(64)}"`);
    await writeFile(other, Buffer.concat([Buffer.from(line), bytes.subarray(end)]));
    await expect(loadSnapshot(other, { app: 'counter_mod:app', path: [folder] })).rejects.toThrow(
      "holds another version of wsgi-edge's Python bridge than this one",
    );
  });

  it('refuses a file cut short, as truncated, before Pyodide is loaded', async () => {
    const bytes = await readFile(file);
    const pages = (n: number) => n * 64 * 1024;
    for (const [name, length] of [
      ['cut-in-heap', bytes.length - 4096],
      // The heap left is whole wasm pages still: only the length the header records tells it.
      ['cut-on-a-page', bytes.length - pages(1)],
      ['cut-in-header', parseSnapshotHeader(bytes).start + 8],
    ] as const) {
      const cut = join(dir, `${name}.snapshot`);
      await writeFile(cut, bytes.subarray(0, length));
      const loading = loadSnapshot(cut, { app: 'counter_mod:app', path: [folder] });
      await expect(loading).rejects.toBeInstanceOf(SnapshotMismatchError);
      await expect(loading).rejects.toThrow(`wsgi-edge: ${cut} is truncated (${length} bytes): make it again with wsgi-edge snapshot`);
    }
  });

  it('records the length of Pyodide\'s part, and the Worker\'s reader refuses a file cut on a page or grown', async () => {
    const bytes = await readFile(file);
    const { start } = parseSnapshotHeader(bytes);
    expect(header.pyodideBytes).toBe(bytes.length - start);
    expect(header.pyodideBytes! % 16).toBe(0);
    const cut = bytes.subarray(0, bytes.length - 64 * 1024);
    expect(() => parseSnapshot(cut, 'cut.snapshot')).toThrow(`wsgi-edge: cut.snapshot is truncated (${cut.length} bytes): make it again with wsgi-edge snapshot`);
    const grown = Buffer.concat([bytes, Buffer.alloc(64 * 1024)]);
    expect(() => parseSnapshot(grown, 'grown.snapshot')).toThrow('wsgi-edge: grown.snapshot has 65536 bytes more than it was made with');
    const grownFile = join(dir, 'grown.snapshot');
    await writeFile(grownFile, grown);
    await expect(loadSnapshot(grownFile, { app: 'counter_mod:app', path: [folder] })).rejects.toThrow(`wsgi-edge: ${grownFile} has 65536 bytes more than it was made with`);
  });

  it('refuses a file that is not a snapshot, and a stale one', async () => {
    await expect(loadSnapshot(join(folder, 'lazy_mod.py'), { app: 'counter_mod:app', path: [folder] })).rejects.toThrow(/is not a wsgi-edge snapshot/);
    await writeFile(join(folder, 'counter_mod.py'), `${COUNTER}\nCHANGED = True\n`);
    try {
      await expect(loadSnapshot(file, { app: 'counter_mod:app', path: [folder] })).rejects.toThrow(/is stale: .*counter_mod\.py changed/);
    } finally {
      await writeFile(join(folder, 'counter_mod.py'), COUNTER);
    }
  });
});

const ENV_MODULE = `import json, os
AT_IMPORT = os.environ.get('${SNAPSHOT_ONLY}')

def create_app():
    at_factory = os.environ.get('${RUN_ONLY}')

    def app(environ, start_response):
        start_response('200 OK', [('Content-Type', 'application/json')])
        return [json.dumps({'atImport': AT_IMPORT, 'atFactory': at_factory, 'environ': dict(os.environ)}).encode()]
    return app
`;

interface EnvAnswer {
  atImport: string | null;
  atFactory: string | null;
  environ: Record<string, string>;
}

describe('os.environ after a restore (wsgi-edge/python)', () => {
  let dir: string;
  const app = 'env_mod:create_app()';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-snapshot-env-'));
    await writeFile(join(dir, 'env_mod.py'), ENV_MODULE);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ask = async (options: Parameters<typeof loadPythonApp>[0]): Promise<EnvAnswer> => {
    const response = await handle(await loadPythonApp(options), new Request('http://x.test/'));
    return (await response.json()) as EnvAnswer;
  };

  it('is the env the loading process gives, all of it replacing what the snapshot was made with', { timeout: 120_000 }, async () => {
    const file = join(dir, 'with-env.snapshot');
    await snapshotPythonApp({ app, path: [dir], env: { [SNAPSHOT_ONLY]: 'made here', SHARED: 'at snapshot time' } }, file);
    const answer = await ask({ app, path: [dir], snapshot: file, env: { [RUN_ONLY]: AWKWARD_VALUE, SHARED: 'at run time' } });
    expect(Object.keys(answer.environ).sort()).toEqual(['HOME', 'LD_LIBRARY_PATH', 'SHARED', RUN_ONLY]);
    expect(answer.environ).toMatchObject({ [RUN_ONLY]: AWKWARD_VALUE, SHARED: 'at run time', HOME: '/home/pyodide' });
    // The factory runs again in the loading process, with its environment; what the import read is the snapshot's.
    expect(answer.atFactory).toBe(AWKWARD_VALUE);
    expect(answer.atImport).toBe('made here');
  });

  it('is this process\'s environment by default, and a snapshot is made with none of it', { timeout: 120_000 }, async () => {
    const file = join(dir, 'default.snapshot');
    process.env[SNAPSHOT_ONLY] = 'set while the snapshot is made';
    try {
      await snapshotPythonApp({ app, path: [dir] }, file);
    } finally {
      delete process.env[SNAPSHOT_ONLY];
    }
    expect((await readFile(file)).includes('set while the snapshot is made')).toBe(false);
    process.env[RUN_ONLY] = AWKWARD_VALUE;
    try {
      const answer = await ask({ app, path: [dir], snapshot: file });
      expect(answer.atImport).toBeNull();
      expect(answer.atFactory).toBe(AWKWARD_VALUE);
      expectProcessEnvironment(answer.environ, process.env);
    } finally {
      delete process.env[RUN_ONLY];
    }
  });
});
