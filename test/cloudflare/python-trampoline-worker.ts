/**
 * A Worker that loads a Python app with wsgi-edge's workerd loader and answers what CPython's call
 * trampoline is there: the hook in `_PyRuntime` (0.27.7's counter or 314's trampoline, whichever this
 * Pyodide reads), the function it names, and how calls of C functions of each calling convention go.
 * @module
 */

import { loadPyodideInWorkerd, loadPythonApp, type PyodideInterface } from '../../src/python/workerd.ts';
import { C_CALLS, tableLookups } from '../helpers/c-calls.ts';

/** The parts of Pyodide's Emscripten module read here (either version's offset is set, never both). */
interface Internals {
  HEAP32: Int32Array;
  wasmTable: WebAssembly.Table;
  __PyRuntime: number;
  __PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET?: number;
  __PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET?: number;
  _PyEM_CountArgsPtr?: number;
}

export interface TrampolineReport {
  /** Which hook this Pyodide's CPython reads. */
  hook: 'counter' | 'trampoline';
  /** The table index the hook holds (0: every call through JavaScript). */
  index: number;
  /** The parameter count of the function at that index (the counter 1, the trampoline 5). */
  parameters: number | null;
  /** 0.27.7: the counter Pyodide made itself (0 where its wasm GC module did not compile). */
  ownCounter: number | null;
  /** `wasmTable.get` calls while `calls()` runs a second time: the JavaScript trampoline's. */
  lookups: number;
  /** `calls()`'s results, as JSON. */
  results: string;
}

const HELLO = "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hi']\n";

let loading: Promise<PyodideInterface> | undefined;

async function load(): Promise<PyodideInterface> {
  const pyodide = await loadPyodideInWorkerd();
  await loadPythonApp({ pyodide, app: 'hello', files: { 'hello.py': HELLO } });
  pyodide.runPython(C_CALLS);
  return pyodide;
}

export default {
  async fetch(): Promise<Response> {
    const pyodide = await (loading ??= load());
    const module = (pyodide as unknown as { _module: Internals })._module;
    const offset = module.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET ?? module.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET!;
    const index = module.HEAP32[(module.__PyRuntime + module.HEAP32[offset >> 2]!) >> 2]!;
    pyodide.runPython('calls()');
    let results = '';
    const lookups = tableLookups(module.wasmTable, () => (results = pyodide.runPython('json.dumps(calls())') as string));
    const report: TrampolineReport = {
      hook: module.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET === undefined ? 'trampoline' : 'counter',
      index,
      parameters: index > 0 ? ((module.wasmTable.get(index) as ((...args: number[]) => number) | null)?.length ?? null) : null,
      ownCounter: module._PyEM_CountArgsPtr ?? null,
      lookups,
      results,
    };
    return Response.json(report);
  },
};
