/**
 * The load run's Python app (load/python_app.py, with the seed's app/wsgi_app.py) as a `WsgiApp`, in
 * the installed Pyodide; shared by the Node and Deno entries.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { defaultPyodide, loadPythonApp } from '../src/python/index.ts';
import type { WsgiApp } from '../src/index.ts';

export async function loadPythonLoadApp(): Promise<WsgiApp> {
  const pyodide = await defaultPyodide();
  // Nothing is written into the source folders (load/, app/) that Pyodide mounts.
  pyodide.runPython('import sys; sys.dont_write_bytecode = True');
  const folders = [fileURLToPath(new URL('.', import.meta.url)), fileURLToPath(new URL('../app/', import.meta.url))];
  return loadPythonApp({ app: 'python_app:application', path: folders, pyodide });
}
