/**
 * The supported Pyodide lines told apart by version string, where code must do one thing or the other
 * (the Workers glue, snapshot restores, which standard library modules exist). Platform-neutral.
 * @module
 */

/**
 * True for Pyodide 314.x (Python 3.14: glue `pyodide.asm.mjs` taken as `createPyodideModule`, memory
 * defined by its wasm, `sqlite3` in its standard library); false for 0.27.7.
 */
export function isPyodide314OrLater(version: string): boolean {
  return Number(version.split('.')[0]) >= 314;
}
