/**
 * src/python/call-trampoline.ts with the real Pyodide on Node 20, whose V8 cannot compile Pyodide's own
 * wasm GC parameter counter: the counter installed instead answers each function's parameter count
 * (from JavaScript the first time, from its memory after), CPython's C calls of every arity go through it,
 * and it is cleared before a snapshot.
 */
import { loadPyodide, type PyodideInterface } from 'pyodide';
import { beforeAll, describe, expect, it } from 'vitest';
import { forgetCallTrampoline, installCallTrampoline } from '../../src/python/call-trampoline.ts';

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

describe('the call trampoline', () => {
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
