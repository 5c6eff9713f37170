/**
 * The globals Pyodide 0.27.7's loader looks for and workerd lacks (or has in a form it cannot use), put in
 * place only while Pyodide loads and then taken away again (loads are one at a time: ./workerd.ts).
 * @module
 */

import type { CreatePyodideModule } from './snapshot-heap.ts';
import { replaceProperty } from './replace-property.ts';
import { wasmFunction, type WasmFunctionType } from './wasm-function-adapters.ts';

/** The files the loader fetches, by their name under its `indexURL`: each gives a fresh `Response`. */
export type ServedFiles = ReadonlyMap<string, () => Response>;

function noImportScripts(): never {
  // The loader then falls back to import(), which it never reaches: pyodide.asm.js is imported already.
  throw new TypeError('importScripts is not available in workerd');
}

/** `new WebAssembly.Function(type, func)` as Emscripten calls it: a constructor that returns the wasm function. */
function WasmFunctionStandIn(type: WasmFunctionType, func: (...args: never[]) => unknown): WebAssembly.ExportValue {
  return wasmFunction(type, func);
}

/**
 * Installs `WebAssembly.Function` (./wasm-function-adapters.ts) for Pyodide 0.27.7 and returns what
 * removes it. Not for 314: its Emscripten fills the table without it, and its JSPI detection takes a
 * `WebAssembly.Function` for the real one.
 */
export function installWasmFunctionStandIn(): () => void {
  return replaceProperty(WebAssembly, 'Function', WasmFunctionStandIn);
}

/**
 * Installs the stand-ins every supported Pyodide needs and returns what removes them.
 *
 * - `importScripts`: without it (or a browser window, or Node) both the loader and the copy of it inside
 *   pyodide.asm.js throw "Cannot determine runtime environment"; with it they take the web worker path.
 * - `location`: that path resolves URLs against it (`new URL(path, location)`).
 * - `setImmediate`: Emscripten otherwise emulates it with `addEventListener('message', ..., true)`, which
 *   workerd refuses ("useCapture must be false"). Pyodide's wasm imports no immediate-callback function,
 *   so it is only looked at while loading.
 * - `fetch`: the loader fetches the standard library and the lock file from `indexURL` (there is no
 *   option to hand them over in 0.27.7); `served` answers those URLs, anything else goes to the real fetch.
 * - `importScripts` and `location` are for 0.27.7's environment detection; 314 recognises workerd by its
 *   user agent, and finds `importScripts` unusable, as it should, before it tries it.
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

/**
 * Emscripten's module factory made to instantiate `module` (the `CompiledWasm` import of pyodide.asm.wasm)
 * instead of compiling the wasm it fetches, which workerd refuses. Pyodide's own hook only logs a failed
 * instantiation and waits forever; here the failure rejects the load.
 *
 * Replacing Pyodide's hook also drops the two imports 314's hook adds (`Jsv_GetError_import`,
 * `JsvError_Check`: how Python sees a failed JavaScript call); without them every attribute lookup on a
 * Python object from JavaScript answers undefined. Pyodide makes them from a tiny wasm module when it may
 * compile one, and otherwise, as in workerd, from the two functions here.
 */
export function instantiating(factory: CreatePyodideModule, module: WebAssembly.Module): CreatePyodideModule {
  const needsErrorMarker = WebAssembly.Module.imports(module).some(({ module: from, name }) => from === 'env' && name === 'JsvError_Check');
  return (settings) => {
    let failed: (error: unknown) => void = () => undefined;
    const failure = new Promise<never>((_, reject) => { failed = reject; });
    (settings as EmscriptenSettings).instantiateWasm = (imports, done) => {
      if (needsErrorMarker) Object.assign(imports.env ?? {}, errorMarkerImports());
      WebAssembly.instantiate(module, imports).then((instance) => done(instance, module)).catch(failed);
      return {};
    };
    return Promise.race([factory(settings), failure]);
  };
}

/** Pyodide 314's own fallback for its `Jsv_GetError_import` and `JsvError_Check` imports: one marker value. */
function errorMarkerImports(): Record<string, (value?: unknown) => unknown> {
  const marker = Symbol('error marker');
  return { Jsv_GetError_import: () => marker, JsvError_Check: (value) => value === marker };
}
