/**
 * A stand-in for `WebAssembly.Function` (the JS type reflection proposal), which workerd lacks, built on a
 * module compiled ahead of time.
 *
 * Pyodide 0.27.7 is a dynamically linked Emscripten build: while its wasm is instantiated, Emscripten's
 * `reportUndefinedSymbols` puts into the function table every JavaScript library function whose address
 * the module takes (167 of them, mostly unused GL and C++ exception helpers). A table holds only wasm
 * functions, so `addFunction` wraps each one; without `WebAssembly.Function` it compiles a one-function
 * module from bytes, and workerd refuses any compilation from bytes ("Wasm code generation disallowed by
 * embedder"). `WebAssembly.Function` is what it asks first, so this stand-in answers it: the module
 * `wasm-function-adapters.wasm` (scripts/build-wasm-adapters.mjs) imports one function per signature
 * Pyodide declares and exports each back, and instantiating a module already compiled (by the platform,
 * at upload) is allowed.
 * @module
 */

import adapters from './wasm-function-adapters.wasm';

/** What Emscripten passes: its signature as wasm value types. */
export interface WasmFunctionType {
  parameters: readonly string[];
  results: readonly string[];
}

/** The export names of the adapter module: Emscripten's letters folded to one per wasm type, result first. */
const LETTERS: Readonly<Record<string, string>> = { i32: 'i', i64: 'j', f32: 'f', f64: 'd', externref: 'e' };

function signatureName(type: WasmFunctionType): string {
  const letter = (valueType: string): string => {
    const found = LETTERS[valueType];
    if (found === undefined) throw new TypeError(`wasm-function-adapters: no letter for the wasm type ${valueType}`);
    return found;
  };
  return (type.results.length === 0 ? 'v' : type.results.map(letter).join('')) + type.parameters.map(letter).join('');
}

let unusedImports: Record<string, () => never> | undefined;

/** Every import of the adapter module bound to a function that is never called (only one is used per instance). */
function placeholders(): Record<string, () => never> {
  if (unusedImports === undefined) {
    const unused = (): never => {
      throw new Error('wasm-function-adapters: an unused adapter was called');
    };
    unusedImports = Object.fromEntries(WebAssembly.Module.imports(adapters).map(({ name }) => [name, unused]));
  }
  return unusedImports;
}

/** `new WebAssembly.Function(type, func)`: `func` as a wasm function of that type. */
export function wasmFunction(type: WasmFunctionType, func: (...args: never[]) => unknown): WebAssembly.ExportValue {
  const name = signatureName(type);
  const imports = placeholders();
  if (!(name in imports)) {
    throw new TypeError(`wasm-function-adapters.wasm has no adapter for the signature ${name}: run node scripts/build-wasm-adapters.mjs for this Pyodide`);
  }
  const instance = new WebAssembly.Instance(adapters, { e: { ...imports, [name]: func } });
  const adapted = instance.exports[name];
  if (adapted === undefined) throw new TypeError(`wasm-function-adapters.wasm exports no ${name}`);
  return adapted;
}
