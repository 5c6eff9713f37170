/**
 * `wsgi-edge/python`: unmodified Python WSGI apps (Flask, Django, Bottle, a plain callable) as ordinary
 * `WsgiApp`s, run by CPython compiled to WebAssembly (Pyodide), so every target's `handle()` serves them.
 *
 * ```ts
 * import { loadPythonApp } from 'wsgi-edge/python';
 * const app = await loadPythonApp({ app: 'wsgi_app:simple_app', path: ['./app'] });
 * ```
 *
 * This entry is for runtimes with a file system (Node, Deno, Lambda): folders in `path` are mounted into
 * Pyodide as they are. On Cloudflare Workers the same import resolves to ./workerd.ts.
 * @module
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import type { WsgiApp } from '../core/types.ts';
import { bridgeApp, installBridge, loadGateway, type BridgeOptions } from './bridge.ts';

export { InterpreterDeadError, PythonError } from './bridge.ts';

export interface PythonAppOptions extends BridgeOptions {
  /** `'module:callable'` as gunicorn takes it; `'module'` alone means `module:application`. */
  app: string;
  /** Folders put first on `sys.path`, in order (the app's folder, a `pip install -t` folder). */
  path?: readonly string[];
  /** Sources as `{ 'pkg/mod.py': text }`, for runtimes without a file system; their folder comes first on `sys.path`. */
  files?: Readonly<Record<string, string>>;
  /** A Pyodide the caller already loaded; by default the installed `pyodide` is loaded once per process. */
  pyodide?: PyodideInterface | Promise<PyodideInterface>;
}

/** Where `options.files` are written inside Pyodide. */
export const FILES_DIR = '/app';

let sharedPyodide: Promise<PyodideInterface> | undefined;

/** The installed `pyodide`, loaded once per process; Python's output goes to the console. */
export function defaultPyodide(): Promise<PyodideInterface> {
  sharedPyodide ??= import('pyodide').then(({ loadPyodide }) => loadPyodide({
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
  }));
  return sharedPyodide;
}

const bridgeReady = new WeakSet<PyodideInterface>();

/** Loads the Python app `options.app` and gives it as a `WsgiApp`. Rejects with the import's error, naming the module and sys.path. */
export async function loadPythonApp(options: PythonAppOptions): Promise<WsgiApp> {
  const pyodide = await (options.pyodide ?? defaultPyodide());
  if (!bridgeReady.has(pyodide)) {
    installBridge(pyodide, await readFile(new URL('./wsgi_edge_bridge.py', import.meta.url), 'utf8'));
    bridgeReady.add(pyodide);
  }
  const paths: string[] = [];
  if (options.files) paths.push(writeFiles(pyodide, options.files));
  for (const folder of options.path ?? []) paths.push(mountFolder(pyodide, path.resolve(folder)));
  const gateway = loadGateway(pyodide, options.app, paths, options.multiprocess ?? true);
  return bridgeApp(gateway, options);
}

/** Writes `files` under FILES_DIR and returns that folder. */
export function writeFiles(pyodide: PyodideInterface, files: Readonly<Record<string, string>>): string {
  for (const [relative, source] of Object.entries(files)) {
    const target = path.posix.join(FILES_DIR, relative);
    if (!target.startsWith(FILES_DIR + '/')) throw new Error(`wsgi-edge: options.files names a path outside its folder: ${JSON.stringify(relative)}`);
    pyodide.FS.mkdirTree(path.posix.dirname(target));
    pyodide.FS.writeFile(target, source);
  }
  return FILES_DIR;
}

const mounted = new WeakMap<PyodideInterface, Set<string>>();

/**
 * Mounts a host folder at the same path inside Pyodide (so `__file__` and tracebacks name the real
 * file) and returns that path; a folder already mounted is reused.
 */
export function mountFolder(pyodide: PyodideInterface, folder: string): string {
  const mountPoint = folder.split(path.sep).join('/');
  let done = mounted.get(pyodide);
  if (!done) mounted.set(pyodide, (done = new Set()));
  if (done.has(mountPoint)) return mountPoint;
  pyodide.FS.mkdirTree(mountPoint);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, mountPoint);
  done.add(mountPoint);
  return mountPoint;
}
