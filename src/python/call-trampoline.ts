/**
 * CPython's calls through C function pointers without a detour through JavaScript, where the runtime
 * lacks wasm GC (Node 20).
 *
 * Under Emscripten, CPython calls a C function whose parameter count it does not know (a method's
 * `PyCFunction`, a slot) through `_PyEM_TrampolineCall`. Pyodide 0.27.7's build asks a small module how
 * many parameters the function takes (it tests the function's type with wasm GC's `ref.test`) and then
 * calls it directly; where that module does not compile, as on Node 20 (V8 11.3 has no final wasm GC), it
 * calls through `_PyEM_TrampolineCall_JS`: out of wasm into JavaScript, `wasmTable.get(func)(...)`, and
 * back. Flask's `/encode` makes 148 such calls per request (the seed's app 24), and on Node 20 they cost
 * 7-10 % of a request's CPU (bench/PROFILE.md). The count needs no GC: a wasm function's JavaScript
 * `length` is its parameter count. The module below keeps one byte per table index (count + 1, 0 while
 * unknown) in its own memory and asks JavaScript only the first time it meets an index, so every later call
 * stays in wasm.
 *
 * The counter's table index is written into `_PyRuntime` (Pyodide's `__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET`
 * says where), which a memory snapshot carries: `forgetCallTrampoline` clears it before a snapshot is made,
 * and a restored process calls `installCallTrampoline` again. No platform imports (Node, Deno, Workers).
 * @module
 */

import type { PyodideInterface } from 'pyodide';

/** The parts of Pyodide 0.27.7's Emscripten module this reads and writes. */
interface TrampolineModule {
  HEAP32: Int32Array;
  wasmTable: WebAssembly.Table;
  addFunction(func: WebAssembly.ExportValue, signature: string): number;
  /** The table indexes `removeFunction` freed, which the next `addFunction` takes again. */
  freeTableIndexes?: number[];
  /** The counter Pyodide made at start-up (its wasm GC module), 0 when that did not compile. */
  _PyEM_CountArgsPtr?: number;
  __PyRuntime?: number;
  __PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET?: number;
}

/** The largest parameter count CPython's trampoline dispatches on. */
const MAX_PARAMETERS = 3;

/**
 * `(func (import "e" "s") (param i32) (result i32))` (JavaScript's count, `unknown` below),
 * `(global (import "e" "n") i32)` (the number of indexes the memory has room for), a memory of `pages`
 * exported as `m`, and `f(index)`: `index < n && m[index] ? m[index] - 1 : unknown(index)`.
 */
function counterModule(pages: number): Uint8Array<ArrayBuffer> {
  const leb = (value: number): number[] => {
    const bytes: number[] = [];
    do {
      const low = value & 0x7f;
      value >>>= 7;
      bytes.push(value === 0 ? low : low | 0x80);
    } while (value !== 0);
    return bytes;
  };
  const name = (text: string): number[] => [text.length, ...[...text].map((c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const I32 = 0x7f;
  const body = [
    0x01, 0x01, I32, // one local: the stored byte
    0x20, 0x00, 0x23, 0x00, 0x49, // index < n
    0x04, I32,
    0x20, 0x00, 0x2d, 0x00, 0x00, 0x22, 0x01, // the byte at m[index]
    0x04, I32, 0x20, 0x01, 0x41, 0x01, 0x6b, // known: byte - 1
    0x05, 0x20, 0x00, 0x10, 0x00, 0x0b, // else unknown(index)
    0x05, 0x20, 0x00, 0x10, 0x00, 0x0b, // past n: unknown(index)
    0x0b,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x01, I32, 0x01, I32]),
    ...section(2, [0x02, ...name('e'), ...name('s'), 0x00, 0x00, ...name('e'), ...name('n'), 0x03, I32, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, ...leb(pages)]),
    ...section(7, [0x02, ...name('f'), 0x00, 0x01, ...name('m'), 0x02, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

/** Where in the heap (an index of HEAP32) CPython reads the counter's table index; undefined for another Pyodide. */
function counterSlot(module: TrampolineModule): number | undefined {
  const runtime = module.__PyRuntime;
  const offsetAt = module.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET;
  if (typeof runtime !== 'number' || typeof offsetAt !== 'number' || !(module.wasmTable instanceof WebAssembly.Table)) return undefined;
  return (runtime + module.HEAP32[offsetAt >> 2]!) >> 2;
}

function moduleOf(pyodide: PyodideInterface): TrampolineModule {
  return (pyodide as unknown as { _module: TrampolineModule })._module;
}

/**
 * Gives `pyodide`'s CPython a parameter counter that stays in wasm: Pyodide's own where it made one (a
 * restored snapshot may hold none), else the one above. Does nothing for a Pyodide without this
 * trampoline (314 on) or where no module may be compiled from bytes (workerd).
 */
export function installCallTrampoline(pyodide: PyodideInterface): void {
  const module = moduleOf(pyodide);
  const slot = counterSlot(module);
  if (slot === undefined) return;
  const own = module._PyEM_CountArgsPtr;
  if (typeof own === 'number' && own !== 0) {
    module.HEAP32[slot] = own;
    return;
  }
  if (module.HEAP32[slot] !== 0) return;
  // Room for the table as it is and as much again (packages and proxies add functions); past it, JavaScript counts each call.
  const indexes = module.wasmTable.length * 2;
  let counts: Uint8Array | undefined;
  const unknown = (index: number): number => {
    const table = module.wasmTable;
    const count = index < table.length ? ((table.get(index) as ((...args: never[]) => unknown) | null)?.length ?? -1) : -1;
    if (count >= 0 && count <= MAX_PARAMETERS && index < indexes) counts![index] = count + 1;
    return count;
  };
  let counter: WebAssembly.Instance;
  try {
    counter = new WebAssembly.Instance(new WebAssembly.Module(counterModule(Math.ceil(indexes / 65536))), { e: { s: unknown, n: indexes } });
  } catch {
    return; // Compiling from bytes is refused here: calls keep going through JavaScript.
  }
  counts = new Uint8Array((counter.exports.m as WebAssembly.Memory).buffer);
  forgetWhenFreed(module, counts);
  module.HEAP32[slot] = module.addFunction(counter.exports.f!, 'ii');
}

/**
 * A freed table index is given to the next function added, whose parameter count may differ (ctypes and
 * libffi closures come and go): the count kept for it is forgotten when Emscripten frees it. Every
 * `removeFunction` of the glue pushes onto this one array, the one place to hear of it.
 */
function forgetWhenFreed(module: TrampolineModule, counts: Uint8Array): void {
  const freed = module.freeTableIndexes;
  if (!Array.isArray(freed)) return;
  const push = freed.push;
  freed.push = (...indexes: number[]): number => {
    for (const index of indexes) if (index < counts.length) counts[index] = 0;
    return push.apply(freed, indexes);
  };
}

/** Clears the counter from the heap before a snapshot of it is made: its table index means nothing in another process. */
export function forgetCallTrampoline(pyodide: PyodideInterface): void {
  const module = moduleOf(pyodide);
  const slot = counterSlot(module);
  if (slot !== undefined) module.HEAP32[slot] = 0;
}
