/**
 * src/python/call-trampoline.ts with the real Pyodides on Node 20, whose V8 cannot compile their own wasm
 * GC modules: under 0.27.7 the counter installed instead answers each function's parameter count (from
 * JavaScript the first time, from its memory after) and CPython's C calls of every arity go through it;
 * under 314 the trampoline installed instead calls each function by that count, and CPython's C calls stop
 * going out to JavaScript. Both are cleared before a snapshot.
 */
import { join } from 'node:path';
import { loadPyodide, type PyodideInterface } from 'pyodide';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetCallTrampoline, installCallTrampoline } from '../../src/python/call-trampoline.ts';
import { C_CALLS, C_CALLS_EXPECTED, tableLookups as countTableLookups } from '../helpers/c-calls.ts';
import { PYODIDE_314 } from '../helpers/pyodide-versions.ts';

interface Internals {
  HEAP32: Int32Array;
  wasmTable: WebAssembly.Table;
  _PyEM_CountArgsPtr: number;
  __PyRuntime: number;
  __PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET: number;
  addFunction(func: (...args: number[]) => number, signature: string): number;
  removeFunction(index: number): void;
}

let pyodide: PyodideInterface;
let internals: Internals;
const slot = () => (internals.__PyRuntime + internals.HEAP32[internals.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET >> 2]!) >> 2;

beforeAll(async () => {
  pyodide = await loadPyodide();
  internals = (pyodide as unknown as { _module: Internals })._module;
}, 60_000);

describe('the call trampoline under Pyodide 0.27.7', () => {
  it('starts out calling through JavaScript on this runtime', () => {
    expect(internals._PyEM_CountArgsPtr).toBe(0);
    expect(internals.HEAP32[slot()]).toBe(0);
  });

  it('installs a counter that gives each table function its parameter count, asked once and remembered', () => {
    installCallTrampoline(pyodide);
    const counterIndex = internals.HEAP32[slot()]!;
    expect(counterIndex).toBeGreaterThan(0);
    const counter = internals.wasmTable.get(counterIndex) as (index: number) => number;
    const byCount = new Map<number, number>();
    for (let index = 1; index < internals.wasmTable.length && byCount.size < 4; index++) {
      const length = (internals.wasmTable.get(index) as { length: number } | null)?.length;
      if (length !== undefined && length <= 3 && !byCount.has(length)) byCount.set(length, index);
    }
    expect([...byCount.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const [count, index] of byCount) {
      expect(counter(index)).toBe(count);
      expect(counter(index)).toBe(count);
    }
    // An index past the table has no function: never a count.
    expect(counter(internals.wasmTable.length + 10)).toBe(-1);
  });

  it('forgets the count of a freed table index, which the next function added takes again', () => {
    installCallTrampoline(pyodide);
    const counter = internals.wasmTable.get(internals.HEAP32[slot()]!) as (index: number) => number;
    const index = internals.addFunction((a: number) => a, 'ii');
    expect(counter(index)).toBe(1);
    internals.removeFunction(index);
    const reused = internals.addFunction((a: number, b: number, c: number) => a + b + c, 'iiii');
    expect(reused).toBe(index);
    expect(counter(reused)).toBe(3);
    internals.removeFunction(reused);
  });

  it('carries CPython calls of C functions of every arity', () => {
    installCallTrampoline(pyodide);
    expect(internals.HEAP32[slot()]).not.toBe(0);
    const result = pyodide.runPython(`
import json, functools
calls = [
    {}.copy(),                                  # METH_NOARGS
    len('abc'),                                 # METH_O
    'a,b,c'.split(',', 1),                      # METH_FASTCALL
    sorted([3, 1, 2], key=lambda x: -x),        # METH_FASTCALL | METH_KEYWORDS
    dict(a=1),                                  # tp_call with keywords
    functools.reduce(lambda a, b: a + b, range(5)),
    json.loads('{"x": [1, 2]}'),
]
json.dumps(calls)
`) as string;
    expect(JSON.parse(result)).toEqual([{}, 3, ['a', 'b,c'], [3, 2, 1], { a: 1 }, 10, { x: [1, 2] }]);
  });

  it('is cleared before a snapshot, whose table index would mean nothing in another process', () => {
    installCallTrampoline(pyodide);
    forgetCallTrampoline(pyodide);
    expect(internals.HEAP32[slot()]).toBe(0);
    expect(pyodide.runPython('len([1, 2])')).toBe(2);
    installCallTrampoline(pyodide);
    expect(internals.HEAP32[slot()]).not.toBe(0);
  });
});

/** Pyodide 314's hook: the whole trampoline, `(success, func, a, b, c)`, at `__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET`. */
interface Internals314 {
  HEAP32: Int32Array;
  wasmTable: WebAssembly.Table;
  __PyRuntime: number;
  __PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET: number;
  addFunction(func: (...args: number[]) => number, signature: string): number;
  removeFunction(index: number): void;
  _malloc(size: number): number;
}

type Trampoline = (success: number, func: number, a: number, b: number, c: number) => number;

describe('the call trampoline under Pyodide 314', () => {
  let pyodide314: PyodideInterface;
  let module: Internals314;
  const hook = () => (module.__PyRuntime + module.HEAP32[module.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET >> 2]!) >> 2;
  const trampoline = () => module.wasmTable.get(module.HEAP32[hook()]!) as Trampoline;
  const tableLookups = (run: () => void): number => countTableLookups(module.wasmTable, run);
  let loadPyodide314: typeof loadPyodide;

  beforeAll(async () => {
    ({ loadPyodide: loadPyodide314 } = (await import(join(PYODIDE_314.folder, 'pyodide.mjs'))) as typeof import('pyodide'));
    // Made so that the last test can snapshot it.
    pyodide314 = await loadPyodide314({ _makeSnapshot: true } as Parameters<typeof loadPyodide>[0]);
    module = (pyodide314 as unknown as { _module: Internals314 })._module;
    pyodide314.runPython(C_CALLS);
  }, 60_000);

  it('starts out calling through JavaScript on this runtime, which cannot compile its wasm GC trampoline', () => {
    expect(module.HEAP32[hook()]).toBe(0);
    expect(tableLookups(() => pyodide314.runPython('calls()'))).toBeGreaterThan(10);
  });

  it('installs a trampoline that calls functions of 0 to 3 parameters, counting each once, and more through JavaScript', () => {
    installCallTrampoline(pyodide314);
    expect(module.HEAP32[hook()]).toBeGreaterThan(0);
    expect(trampoline().length).toBe(5);
    const success = module._malloc(4);
    const functions = [
      module.addFunction(() => 7, 'i'),
      module.addFunction((a: number) => a * 2, 'ii'),
      module.addFunction((a: number, b: number) => a - b, 'iii'),
      module.addFunction((a: number, b: number, c: number) => a * b + c, 'iiii'),
      module.addFunction((a: number, b: number, c: number, d: number) => a + b + c + d + 1000, 'iiiii'),
    ];
    const call314 = trampoline();
    const call = () => functions.map((func) => call314(success, func, 5, 3, 2));
    expect(tableLookups(call)).toBe(functions.length + 1); // each count asked once, the four-parameter one called through JavaScript
    expect(tableLookups(call)).toBe(1); // the counts are kept: only the call through JavaScript
    expect(call()).toEqual([7, 10, 2, 17, 1010]);
    for (const func of functions) module.removeFunction(func);
  });

  it('forgets the count of a freed table index, which the next function added takes again', () => {
    installCallTrampoline(pyodide314);
    const success = module._malloc(4);
    const index = module.addFunction((a: number) => a + 1, 'ii');
    expect(trampoline()(success, index, 1, 2, 3)).toBe(2);
    module.removeFunction(index);
    const reused = module.addFunction((a: number, b: number, c: number) => a + b + c, 'iiii');
    expect(reused).toBe(index);
    expect(trampoline()(success, reused, 1, 2, 3)).toBe(6);
    module.removeFunction(reused);
  });

  it('carries CPython calls of C functions without JavaScript once each function is counted', () => {
    installCallTrampoline(pyodide314);
    pyodide314.runPython('calls()');
    let result = '';
    expect(tableLookups(() => (result = pyodide314.runPython('json.dumps(calls())') as string))).toBe(0);
    expect(JSON.parse(result)).toEqual(C_CALLS_EXPECTED);
  });

  it('is cleared before a snapshot, and replaces a table index another process left in one', () => {
    installCallTrampoline(pyodide314);
    const installed = module.HEAP32[hook()]!;
    forgetCallTrampoline(pyodide314);
    expect(module.HEAP32[hook()]).toBe(0);
    expect(pyodide314.runPython('len([1, 2])')).toBe(2);
    installCallTrampoline(pyodide314);
    expect(module.HEAP32[hook()]).toBe(installed);
    // A snapshot made by an older wsgi-edge under a runtime with wasm GC holds that process's index.
    module.HEAP32[hook()] = module.addFunction((a: number) => a, 'ii');
    installCallTrampoline(pyodide314);
    expect(trampoline().length).toBe(5);
    expect(JSON.parse(pyodide314.runPython('json.dumps(calls())') as string)).toEqual(C_CALLS_EXPECTED);
  });

  it('restores from a snapshot with no hook, and takes its own again', { timeout: 60_000 }, async () => {
    installCallTrampoline(pyodide314);
    forgetCallTrampoline(pyodide314);
    const snapshot = pyodide314.makeMemorySnapshot();
    installCallTrampoline(pyodide314);
    const restored = await loadPyodide314({ _loadSnapshot: snapshot } as Parameters<typeof loadPyodide>[0]);
    module = (restored as unknown as { _module: Internals314 })._module;
    expect(module.HEAP32[hook()]).toBe(0);
    installCallTrampoline(restored);
    expect(trampoline().length).toBe(5);
    restored.runPython(C_CALLS);
    restored.runPython('calls()');
    let result = '';
    expect(tableLookups(() => (result = restored.runPython('json.dumps(calls())') as string))).toBe(0);
    expect(JSON.parse(result)).toEqual(C_CALLS_EXPECTED);
  });
});
