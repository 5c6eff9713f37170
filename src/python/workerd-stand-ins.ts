/**
 * The globals Pyodide 0.27.7's loader looks for and workerd lacks (or has in a form it cannot use), put in
 * place only while Pyodide loads and then taken away again (loads are one at a time: ./workerd.ts).
 * @module
 */

import { wasmFunction, type WasmFunctionType } from './wasm-function-adapters.ts';

/** The files the loader fetches, by their name under its `indexURL`: each gives a fresh `Response`. */
export type ServedFiles = ReadonlyMap<string, () => Response>;

/** Replaces `target[key]` and returns what puts the old property (or its absence) back. */
function replaceProperty(target: object, key: string, value: unknown): () => void {
  const previous = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable: false });
  return () => {
    if (previous === undefined) Reflect.deleteProperty(target, key);
    else Object.defineProperty(target, key, previous);
  };
}

function noImportScripts(): never {
  // The loader then falls back to import(), which it never reaches: pyodide.asm.js is imported already.
  throw new TypeError('importScripts is not available in workerd');
}

/** `new WebAssembly.Function(type, func)` as Emscripten calls it: a constructor that returns the wasm function. */
function WasmFunctionStandIn(type: WasmFunctionType, func: (...args: never[]) => unknown): WebAssembly.ExportValue {
  return wasmFunction(type, func);
}

/**
 * Installs the stand-ins and returns what removes them.
 *
 * - `importScripts`: without it (or a browser window, or Node) both the loader and the copy of it inside
 *   pyodide.asm.js throw "Cannot determine runtime environment"; with it they take the web worker path.
 * - `location`: that path resolves URLs against it (`new URL(path, location)`).
 * - `setImmediate`: Emscripten otherwise emulates it with `addEventListener('message', ..., true)`, which
 *   workerd refuses ("useCapture must be false"). Pyodide's wasm imports no immediate-callback function,
 *   so it is only looked at while loading.
 * - `WebAssembly.Function`: ./wasm-function-adapters.ts.
 * - `fetch`: the loader fetches the standard library and the lock file from `indexURL` (there is no
 *   option to hand them over in 0.27.7); `served` answers those URLs, anything else goes to the real fetch.
 */
export function installLoaderStandIns(indexURL: string, served: ServedFiles): () => void {
  const realFetch = globalThis.fetch;
  const servingFetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(indexURL)) return realFetch(input, init);
    const file = served.get(url.slice(indexURL.length));
    return Promise.resolve(file?.() ?? new Response(null, { status: 404 }));
  };
  const removals = [
    replaceProperty(globalThis, 'importScripts', noImportScripts),
    replaceProperty(globalThis, 'location', new URL(indexURL)),
    replaceProperty(globalThis, 'setImmediate', (callback: () => void) => setTimeout(callback, 0)),
    replaceProperty(globalThis, 'clearImmediate', (id: ReturnType<typeof setTimeout>) => clearTimeout(id)),
    replaceProperty(WebAssembly, 'Function', WasmFunctionStandIn),
    replaceProperty(globalThis, 'fetch', servingFetch),
  ];
  return () => {
    for (const remove of removals.reverse()) remove();
  };
}

/** The part of Emscripten's module settings this touches. */
interface EmscriptenSettings {
  instantiateWasm?: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
}
type CreatePyodideModule = (settings: EmscriptenSettings) => Promise<unknown>;

/**
 * Makes Pyodide instantiate `module` (the `CompiledWasm` import of pyodide.asm.wasm) instead of compiling
 * the wasm it fetches, which workerd refuses: pyodide.asm.js, once imported, leaves its factory in the
 * global `_createPyodideModule`, where the loader looks for it; this wraps that factory until the returned
 * function puts it back. Pyodide's own hook only logs a failed instantiation and waits forever; here the
 * failure rejects the load.
 */
export function instantiateWith(module: WebAssembly.Module): () => void {
  const factory = (globalThis as { _createPyodideModule?: CreatePyodideModule })._createPyodideModule;
  if (typeof factory !== 'function') throw new Error('pyodide.asm.js did not define _createPyodideModule');
  const instantiatingFactory: CreatePyodideModule = (settings) => {
    let failed: (error: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => { failed = reject; });
    settings.instantiateWasm = (imports, done) => {
      WebAssembly.instantiate(module, imports).then((instance) => done(instance, module)).catch(failed);
      return {};
    };
    return Promise.race([factory(settings), failure]);
  };
  return replaceProperty(globalThis, '_createPyodideModule', instantiatingFactory);
}
