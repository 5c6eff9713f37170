/**
 * The standard-library modules that one supported Pyodide lacks and another has, said in the load error
 * of an app that imports one: Pyodide 0.27.7 ships `sqlite3` and `lzma` as separate packages that it
 * downloads at run time (offline, and in a deployment, they are simply missing), while 314 has them in
 * its standard library. Platform-neutral: Node, Deno, Lambda and Workers format the same message.
 * @module
 */

import { isPyodide314OrLater } from './pyodide-lines.ts';

/** Modules missing from 0.27.7's standard library, with the import names that reveal them. */
const UNVENDORED: ReadonlyMap<string, string> = new Map([
  ['sqlite3', 'sqlite3'],
  ['_sqlite3', 'sqlite3'],
  ['lzma', 'lzma'],
  ['_lzma', 'lzma'],
]);

/**
 * `message` (a load error) with a sentence after its ModuleNotFoundError when the missing module is one
 * that `pyodideVersion` lacks and Pyodide 314 has; otherwise `message` as it is.
 */
export function explainMissingStdlib(message: string, pyodideVersion: string): string {
  if (isPyodide314OrLater(pyodideVersion)) return message;
  return message.replace(/(ModuleNotFoundError: No module named '([\w.]+)')/, (whole, _error: string, name: string) => {
    const module = UNVENDORED.get(name);
    if (module === undefined) return whole;
    return `${whole}: Pyodide ${pyodideVersion} has no ${module} in its standard library (it is a package Pyodide ` +
      `downloads, so it is missing offline and in a deployment); Pyodide 314 has it: npm install pyodide@314`;
  });
}
