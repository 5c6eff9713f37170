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

import { readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import type { WsgiApp } from '../core/types.ts';
import type { InterpreterDeadError } from './bridge.ts';
import { lazyApp, startPythonApp, type PythonAppOptions } from './load.ts';
import { loadSnapshot, writeSnapshot, type SnapshotHeader, type SnapshotTarget } from './snapshot.ts';

export { InterpreterDeadError, PythonError } from './bridge.ts';
export { FILES_DIR, type PythonAppOptions } from './load.ts';
export { SnapshotMismatchError, type SnapshotHeader } from './snapshot.ts';

/** Options of this entry (runtimes with a file system). */
export interface PythonAppFileOptions extends PythonAppOptions {
  /**
   * A snapshot file written by `wsgi-edge snapshot` (or `snapshotPythonApp`) for this app and path:
   * Pyodide starts from it with the app already imported. Not with `pyodide`.
   */
  snapshot?: string;
  /**
   * Host folders mounted into Pyodide, as `{ pyodidePath: hostFolder }`, before the app loads: data the
   * app reads from a fixed path (`{ '/usr/share/zoneinfo': '/usr/share/zoneinfo' }` for Debian's pytz), or
   * a whole artifact mounted at a fixed path (`{ '/var/task': taskRoot }`), so that a snapshot made in one
   * place restores in another. A `path` folder inside a mount is a Pyodide path and is not mounted again;
   * any other is a host folder, mounted at its own path.
   */
  mounts?: Readonly<Record<string, string>>;
}

const CONSOLE_STREAMS = { stdout: (line: string) => console.log(line), stderr: (line: string) => console.error(line) };

let sharedPyodide: Promise<PyodideInterface> | undefined;

/** The installed `pyodide`, loaded once per process; Python's output goes to the console. */
export function defaultPyodide(): Promise<PyodideInterface> {
  sharedPyodide ??= import('pyodide').then(({ loadPyodide }) => loadPyodide(CONSOLE_STREAMS));
  return sharedPyodide;
}

let bridgeSource: Promise<string> | undefined;

/** Loads the Python app `options.app` and gives it as a `WsgiApp`. Rejects with the import's error, naming the module and sys.path. */
export async function loadPythonApp(options: PythonAppFileOptions): Promise<WsgiApp> {
  if (options.snapshot !== undefined && options.pyodide !== undefined) {
    throw new Error('wsgi-edge: options.snapshot and options.pyodide exclude each other (a snapshot makes its own Pyodide)');
  }
  if (options.pyodide !== undefined) return startInPyodide(await options.pyodide, options);
  if (options.snapshot !== undefined) return startInPyodide(await loadSnapshot(options.snapshot, snapshotTarget(options), CONSOLE_STREAMS), options);
  const shared = defaultPyodide();
  // A dead interpreter is not handed out again: the next load (lazyPythonApp's, after a death) starts a fresh Pyodide.
  const onFatal = (error: InterpreterDeadError): void => {
    if (sharedPyodide === shared) sharedPyodide = undefined;
    options.onFatal?.(error);
  };
  return startInPyodide(await shared, { ...options, onFatal });
}

/** Imports `options.app` in a fresh Pyodide and writes its memory snapshot to `file` (`wsgi-edge snapshot`). */
export async function snapshotPythonApp(options: Omit<PythonAppFileOptions, 'snapshot' | 'pyodide'>, file: string): Promise<SnapshotHeader> {
  return writeSnapshot(file, snapshotTarget(options), async (pyodide) => {
    await startInPyodide(pyodide, options);
  }, CONSOLE_STREAMS);
}

/** What a snapshot of `options` must match: the folders as Pyodide sees them, and where their files are on the host. */
function snapshotTarget(options: PythonAppFileOptions): SnapshotTarget {
  const mounts = resolvedMounts(options);
  return { app: options.app, path: sysPath(options, mounts), files: options.files, hostPath: (file) => hostPathOf(file, mounts) };
}

/** Mounts, files, the bridge and the app's import: all of it again after a snapshot, where Python already has the modules. */
async function startInPyodide(pyodide: PyodideInterface, options: PythonAppFileOptions): Promise<WsgiApp> {
  bridgeSource ??= readFile(new URL('./wsgi_edge_bridge.py', import.meta.url), 'utf8');
  const mounts = resolvedMounts(options);
  for (const [at, host] of mounts) mountFolder(pyodide, host, at);
  const folders = sysPath(options, mounts).map((folder) => (insideAny(folder, mounts) ? folder : mountFolder(pyodide, folder)));
  return startPythonApp(pyodide, await bridgeSource, options, folders);
}

type Mounts = ReadonlyArray<readonly [at: string, host: string]>;

function resolvedMounts(options: PythonAppFileOptions): Mounts {
  return Object.entries(options.mounts ?? {}).map(([at, host]) => [path.posix.resolve(at), path.resolve(host)] as const);
}

/** `options.path` as Pyodide paths: inside a mount as given, any other folder absolute on the host. */
function sysPath(options: PythonAppFileOptions, mounts: Mounts): string[] {
  return (options.path ?? []).map((folder) => (insideAny(folder, mounts) ? path.posix.resolve(folder) : path.resolve(folder)));
}

function insideAny(folder: string, mounts: Mounts): boolean {
  return mounts.some(([at]) => isInside(folder, at));
}

function isInside(file: string, folder: string): boolean {
  return file === folder || file.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

/** Where a file Pyodide sees under a mount is on the host (itself when under no mount). */
function hostPathOf(file: string, mounts: Mounts): string {
  const mount = mounts.find(([at]) => isInside(file, at));
  return mount ? path.join(mount[1], path.posix.relative(mount[0], file)) : file;
}

/** `loadPythonApp(options)` on the first request rather than now. */
export function lazyPythonApp(options: PythonAppFileOptions): WsgiApp {
  return lazyApp(options.app, (onFatal) => loadPythonApp({ ...options, onFatal }), options.onFatal);
}

const mounted = new WeakMap<PyodideInterface, Set<string>>();

/**
 * Mounts a host folder inside Pyodide, by default at the same path (so `__file__` and tracebacks name the
 * real file), and returns the mount point; a mount point already mounted is reused.
 */
export function mountFolder(pyodide: PyodideInterface, folder: string, at: string = folder): string {
  const mountPoint = at.split(path.sep).join('/');
  let done = mounted.get(pyodide);
  if (!done) mounted.set(pyodide, (done = new Set()));
  if (done.has(mountPoint)) return mountPoint;
  pyodide.FS.mkdirTree(mountPoint);
  readLinksAsWritten(pyodide);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, mountPoint);
  done.add(mountPoint);
  return mountPoint;
}

const linksFixed = new WeakSet<PyodideInterface>();

interface NodefsNode {
  readonly mount: { readonly mountpoint: string; readonly opts: { readonly root: string } };
}

interface Nodefs {
  node_ops: { readlink(node: NodefsNode): string };
  realPath(node: NodefsNode): string;
  convertNodeCode(error: NodeJS.ErrnoException): number;
}

/**
 * Emscripten's NODEFS (Pyodide 0.27) resolves a relative symlink's target against the process's working
 * folder instead of the link's own folder, so a relative link inside a mounted folder (static/logo.png ->
 * ../assets/logo.png) points nowhere, and an absolute one inside the mount is made relative to the mount's
 * root rather than to the link. Here a relative target is given as written (Pyodide resolves it from the
 * link's folder, as the host does), and an absolute one inside the mount is moved under the mount point.
 */
function readLinksAsWritten(pyodide: PyodideInterface): void {
  if (linksFixed.has(pyodide)) return;
  linksFixed.add(pyodide);
  const FS = pyodide.FS as typeof pyodide.FS & { ErrnoError: new (errno: number) => Error };
  const nodefs = FS.filesystems.NODEFS as unknown as Nodefs;
  nodefs.node_ops.readlink = (node) => {
    let target: string;
    try {
      target = readlinkSync(nodefs.realPath(node));
    } catch (error) {
      throw new FS.ErrnoError(nodefs.convertNodeCode(error as NodeJS.ErrnoException));
    }
    const { mountpoint, opts: { root } } = node.mount;
    if (!path.isAbsolute(target) || !isInside(target, path.resolve(root))) return target;
    return path.posix.join(mountpoint, path.relative(path.resolve(root), target).split(path.sep).join('/'));
  };
}
