/**
 * CPython's calls through C function pointers without a detour through JavaScript, where the runtime
 * lacks wasm GC (Node 20).
 *
 * Under Emscripten, CPython calls a C function whose parameter count it does not know (a method's
 * `PyCFunction`, a slot) through `_PyEM_TrampolineCall`. Pyodide's builds stay in wasm only with a small
 * wasm GC module of theirs that tests the function's type with `ref.test`: Pyodide 0.27.7 asks it how many
 * parameters the function takes and then calls it from C; Pyodide 314 hands it the whole call (count, then
 * `call_indirect`). Where that module does not compile, as on Node 20 (V8 11.3 has no final wasm GC), both
 * call through `_PyEM_TrampolineCall_JS`: out of wasm into JavaScript, `wasmTable.get(func)(...)`, and
 * back. Flask's `/encode` makes 148 such calls per request (the seed's app 24), and on Node 20 they cost
 * 7-10 % of a request's CPU (bench/PROFILE.md). The count needs no GC: a wasm function's JavaScript
 * `length` is its parameter count. The module below keeps one byte per table index (count + 1, 0 while
 * unknown) in its own memory and asks JavaScript only the first time it meets an index, so every later call
 * stays in wasm. It exports the counter 0.27.7 takes (`f`) and the trampoline 314 takes (`t`), which calls
 * through the table by that count and through JavaScript, as before, for what it cannot count.
 *
 * The function's table index is written into `_PyRuntime` (Pyodide says where: 0.27.7's
 * `__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET`, 314's `__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET`), which a memory snapshot
 * carries: `forgetCallTrampoline` clears it before a snapshot is made, and a restored process calls
 * `installCallTrampoline` again. No platform imports (Node, Deno, Workers): Node and Deno compile the
 * module from `callerModule()`'s bytes; workerd refuses that, so ./workerd.ts passes the same bytes compiled
 * ahead of time, `call-trampoline.wasm` (written by scripts/build-call-trampoline.mjs).
 * @module
 */

import type { PyodideInterface } from 'pyodide';

/** The parts of Pyodide's Emscripten module (0.27.7 or 314) this reads and writes. */
interface TrampolineModule {
  HEAP32: Int32Array;
  wasmTable: WebAssembly.Table;
  addFunction(func: WebAssembly.ExportValue, signature: string): number;
  /** The table indexes `removeFunction` freed, which the next `addFunction` takes again. */
  freeTableIndexes?: number[];
  /** 0.27.7: the counter Pyodide made at start-up (its wasm GC module), 0 when that did not compile. */
  _PyEM_CountArgsPtr?: number;
  __PyRuntime?: number;
  /** 0.27.7: where in `_PyRuntime` CPython reads the counter's table index. */
  __PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET?: number;
  /** 314: where in `_PyRuntime` CPython reads the trampoline's table index (0: through JavaScript). */
  __PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET?: number;
}

/** The largest parameter count a byte keeps (as count + 1); 314's trampoline calls through the table up to 3, past it through JavaScript. */
const MAX_KEPT_PARAMETERS = 254;

/** Where CPython reads the hook (an index of HEAP32), and which export of the module below it takes. */
interface Hook {
  slot: number;
  /** `f`, the counter (0.27.7), or `t`, the whole trampoline (314). */
  name: 'f' | 't';
}

/** The parameter count of a trampoline: `(success, func, self, args, kw)`, Pyodide's and ours alike. */
const TRAMPOLINE_PARAMETERS = 5;

/**
 * The one source of the caller module's bytes. Type `k` is `(i32 × k) -> i32`, k = 0..5. Imports `e.s`
 * (JavaScript's count, `unknown` below), `e.j` (JavaScript's call, `(func, a, b, c)`), the global `e.n`
 * (the number of indexes the memory has room for), the table `e.t` and the memory `e.m` (any size). Exports
 * `f(index)`: `index < n && m[index] ? m[index] - 1 : unknown(index)`, and `t(success, func, a, b, c)`:
 * by f(func), `func()`, `func(a)`, `func(a, b)` or `func(a, b, c)` through the table, else
 * `j(func, a, b, c)`. `success` stays as CPython set it (1): everything is called.
 *
 * The memory is imported, not declared, so that nothing known only at run time (the table's size, which
 * sizes it) is in the bytes: the same bytes are compiled ahead of time for workerd.
 */
export function callerModule(): Uint8Array<ArrayBuffer> {
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
  const code = (body: number[]): number[] => [...leb(body.length), ...body];
  const I32 = 0x7f;
  const BLOCK = [0x02, 0x40];
  const get = (local: number): number[] => [0x20, local];
  const callIndirect = (parameters: number): number[] => [0x11, parameters, 0x00];
  // The count of the function at table index `local` (the stored byte kept in `byte`), as in f.
  const count = (local: number, byte: number): number[] => [
    ...get(local), 0x23, 0x00, 0x49, // index < n
    0x04, I32,
    ...get(local), 0x2d, 0x00, 0x00, 0x22, byte, // the byte at m[index]
    0x04, I32, ...get(byte), 0x41, 0x01, 0x6b, // known: byte - 1
    0x05, ...get(local), 0x10, 0x00, 0x0b, // else unknown(index)
    0x05, ...get(local), 0x10, 0x00, 0x0b, // past n: unknown(index)
  ];
  const counter = [0x01, 0x01, I32, ...count(0, 1), 0x0b];
  // t's locals: 0 success, 1 func, 2-4 its arguments, 5 the stored byte. Block k ends where arity k is called.
  const trampoline = [
    0x01, 0x01, I32,
    ...BLOCK, ...BLOCK, ...BLOCK, ...BLOCK, ...BLOCK,
    ...count(1, 5), 0x0e, 0x04, 0x00, 0x01, 0x02, 0x03, 0x04, // br_table by count; -1 and more than 3 to the last
    0x0b, ...get(1), ...callIndirect(0), 0x0f,
    0x0b, ...get(2), ...get(1), ...callIndirect(1), 0x0f,
    0x0b, ...get(2), ...get(3), ...get(1), ...callIndirect(2), 0x0f,
    0x0b, ...get(2), ...get(3), ...get(4), ...get(1), ...callIndirect(3), 0x0f,
    0x0b, ...get(1), ...get(2), ...get(3), ...get(4), 0x10, 0x01, // through JavaScript
    0x0b,
  ];
  const types = [0, 1, 2, 3, 4, 5].map((parameters) => [0x60, parameters, ...Array<number>(parameters).fill(I32), 0x01, I32]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [types.length, ...types.flat()]),
    ...section(2, [
      0x05,
      ...name('e'), ...name('s'), 0x00, 0x01,
      ...name('e'), ...name('j'), 0x00, 0x04,
      ...name('e'), ...name('n'), 0x03, I32, 0x00,
      ...name('e'), ...name('t'), 0x01, 0x70, 0x00, 0x00,
      ...name('e'), ...name('m'), 0x02, 0x00, 0x00,
    ]),
    ...section(3, [0x02, 0x01, TRAMPOLINE_PARAMETERS]),
    ...section(7, [0x02, ...name('f'), 0x00, 0x02, ...name('t'), 0x00, 0x03]),
    ...section(10, [0x02, ...code(counter), ...code(trampoline)]),
  ]);
}

/** Where this Pyodide's CPython reads its hook; undefined for a Pyodide with neither. */
function hookOf(module: TrampolineModule): Hook | undefined {
  const runtime = module.__PyRuntime;
  if (typeof runtime !== 'number' || !(module.wasmTable instanceof WebAssembly.Table)) return undefined;
  const at = (offsetAt: number): number => (runtime + module.HEAP32[offsetAt >> 2]!) >> 2;
  if (typeof module.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET === 'number') return { slot: at(module.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET), name: 'f' };
  if (typeof module.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET === 'number') return { slot: at(module.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET), name: 't' };
  return undefined;
}

function moduleOf(pyodide: PyodideInterface): TrampolineModule {
  return (pyodide as unknown as { _module: TrampolineModule })._module;
}

type TableFunction = (...args: number[]) => unknown;

/** The table index of the function installed in each Pyodide, written again after `forgetCallTrampoline`. */
const installed = new WeakMap<TrampolineModule, number>();

/** The caller module compiled from its bytes, once per process; undefined where that is refused (workerd). */
let compiled: WebAssembly.Module | undefined;

function compiledFromBytes(): WebAssembly.Module | undefined {
  try {
    return (compiled ??= new WebAssembly.Module(callerModule()));
  } catch {
    return undefined; // Compiling from bytes is refused here: calls keep going through JavaScript.
  }
}

/**
 * Gives `pyodide`'s CPython a call trampoline that stays in wasm: Pyodide's own where it made one (a
 * restored snapshot may hold none), else the one above, `precompiled` (call-trampoline.wasm, as workerd
 * imports it) or compiled here from its bytes. Does nothing for a Pyodide without either hook, or where
 * there is no precompiled module and none may be compiled from bytes.
 */
export function installCallTrampoline(pyodide: PyodideInterface, precompiled?: WebAssembly.Module): void {
  const module = moduleOf(pyodide);
  const hook = hookOf(module);
  if (hook === undefined) return;
  const own = module._PyEM_CountArgsPtr;
  if (hook.name === 'f' && typeof own === 'number' && own !== 0) {
    module.HEAP32[hook.slot] = own;
    return;
  }
  if (isInstalled(module, hook)) return;
  const kept = installed.get(module);
  if (kept !== undefined) {
    module.HEAP32[hook.slot] = kept;
    return;
  }
  const callerCode = precompiled ?? compiledFromBytes();
  if (callerCode === undefined) return;
  const table = module.wasmTable;
  // Room for the table as it is and as much again (packages and proxies add functions); past it, JavaScript counts each call.
  const indexes = table.length * 2;
  // The caller's memory: one byte per index. Never grown, so the view stays valid.
  const memory = new WebAssembly.Memory({ initial: Math.ceil(indexes / 65536) });
  const counts = new Uint8Array(memory.buffer);
  const unknown = (index: number): number => {
    const count = index < table.length ? ((table.get(index) as TableFunction | null)?.length ?? -1) : -1;
    if (count >= 0 && count <= MAX_KEPT_PARAMETERS && index < indexes) counts[index] = count + 1;
    return count;
  };
  const throughJavaScript = (func: number, a: number, b: number, c: number): unknown => (table.get(func) as TableFunction)(a, b, c);
  const caller = new WebAssembly.Instance(callerCode, { e: { s: unknown, j: throughJavaScript, n: indexes, t: table, m: memory } });
  forgetWhenFreed(module, counts);
  const index = module.addFunction(caller.exports[hook.name]!, hook.name === 'f' ? 'ii' : 'iiiiii');
  installed.set(module, index);
  module.HEAP32[hook.slot] = index;
}

/**
 * Whether the hook already names a function of its kind: Pyodide's own 314 trampoline (on a runtime with
 * wasm GC) or one installed before. A value that names no such function came from another process, in a
 * snapshot made without `forgetCallTrampoline`, and is replaced.
 */
function isInstalled(module: TrampolineModule, hook: Hook): boolean {
  const index = module.HEAP32[hook.slot]!;
  if (index === 0) return false;
  if (hook.name === 'f') return true;
  const func = index > 0 && index < module.wasmTable.length ? (module.wasmTable.get(index) as TableFunction | null) : null;
  return func?.length === TRAMPOLINE_PARAMETERS;
}

/**
 * A freed table index is given to the next function added, whose parameter count may differ (ctypes and
 * libffi closures come and go): the count kept for it is forgotten when Emscripten frees it. Every
 * `removeFunction` of the glue (and 314's libffi closures) pushes onto this one array, the one place to
 * hear of it.
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

/** Clears the hook in the heap before a snapshot of it is made: its table index means nothing in another process. */
export function forgetCallTrampoline(pyodide: PyodideInterface): void {
  const hook = hookOf(moduleOf(pyodide));
  if (hook !== undefined) moduleOf(pyodide).HEAP32[hook.slot] = 0;
}
