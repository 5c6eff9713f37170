/**
 * A memory snapshot restored in workerd (`loadPyodideInWorkerd({ snapshot })`) starts from fresh random
 * state, as a restore in Node or Deno does (`afterRestore`): two restores of one snapshot, made after
 * `import random`, draw different numbers. Without the reseed both would draw the snapshot's next number.
 * Under each supported Pyodide, the snapshot made in Node by that version.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { startPythonWorker } from './python-workerd.ts';
import type { RunningWorker } from './workerd.ts';

/** Where the Worker's entry imports the snapshot from; each version's is written there before its Worker is bundled. */
const SNAPSHOT = resolve('dist/.python-restore/random.bin');

/** Loads `pyodide.mjs` of one version with `_makeSnapshot`, imports random, and writes the raw memory snapshot. */
const MAKE_SNAPSHOT = `
const [entry, out] = process.argv.slice(1);
const { loadPyodide } = await import(entry);
const pyodide = await loadPyodide({ _makeSnapshot: true });
pyodide.runPython('import random');
(await import('node:fs')).writeFileSync(out, pyodide.makeMemorySnapshot());
`;

describe.each(PYODIDE_VERSIONS)('a snapshot restored in workerd, Pyodide $name', (version) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    mkdirSync(join(SNAPSHOT, '..'), { recursive: true });
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', MAKE_SNAPSHOT, pathToFileURL(join(version.folder, 'pyodide.mjs')).href, SNAPSHOT]);
    worker = await startPythonWorker({ entry: 'test/cloudflare/python-restore-worker.ts', pyodide: version });
  }, 180_000);
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('draws different random numbers in two restores of the same snapshot', { timeout: 90_000 }, async () => {
    const response = await fetch(worker.url);
    expect(response.status).toBe(200);
    const [first, second] = (await response.json()) as [number, number];
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).not.toBe(first);
  });
});
