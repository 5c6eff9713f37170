/**
 * The files src/python/workerd.ts imports as Workers modules, typed as workerd hands them over (the rules
 * in app/cloudflare-python/wrangler.toml and wrangler's default CompiledWasm rule for *.wasm).
 */
declare module 'pyodide/pyodide.asm.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module 'pyodide/python_stdlib.zip' {
  const data: ArrayBuffer;
  export default data;
}
declare module 'pyodide/pyodide-lock.json' {
  const text: string;
  export default text;
}
declare module 'pyodide/pyodide.asm.js' {}
declare module 'pyodide/pyodide.asm.mjs' {
  const createPyodideModule: (settings: object) => Promise<unknown>;
  export default createPyodideModule;
}
declare module '*.py' {
  const source: string;
  export default source;
}
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
