/**
 * CPython's call trampoline in workerd, under each Pyodide: workerd compiles no wasm from bytes, so
 * Pyodide's own (wasm GC) module and one compiled from ./call-trampoline.ts's bytes are both refused there;
 * the loader installs the precompiled src/python/call-trampoline.wasm instead, and CPython's calls of C
 * functions through pointers (every calling convention) stay in wasm and return right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C_CALLS_EXPECTED } from '../helpers/c-calls.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import type { TrampolineReport } from './python-trampoline-worker.ts';
import { startPythonWorker } from './python-workerd.ts';
import type { RunningWorker } from './workerd.ts';

describe.each(PYODIDE_VERSIONS)('the call trampoline in workerd, Pyodide $name', (pyodide) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startPythonWorker({ entry: 'test/cloudflare/python-trampoline-worker.ts', pyodide });
  }, 120_000);
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('names the precompiled one in _PyRuntime after an app is loaded, and C calls of every convention stay in wasm', { timeout: 90_000 }, async () => {
    const response = await fetch(worker.url);
    expect(response.status).toBe(200);
    const report = (await response.json()) as TrampolineReport;
    const expected = pyodide.isDefault
      ? { hook: 'counter', parameters: 1, ownCounter: 0 }
      : { hook: 'trampoline', parameters: 5, ownCounter: null };
    expect({ ...report, index: report.index > 0, results: JSON.parse(report.results) as unknown }).toEqual({
      ...expected, index: true, lookups: 0, results: C_CALLS_EXPECTED,
    });
  });
});
