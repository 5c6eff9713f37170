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
 * Pyodide as they are, and `os.environ` is the process environment, as CPython would have it (on Lambda,
 * the function's). On Cloudflare Workers the same import resolves to ./workerd.ts.
 * @module
 */

import { readlinkSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { PyodideInterface } from 'pyodide';
import type { WsgiApp } from '../core/types.ts';
import type { InterpreterDeadError } from './interpreter.ts';
import { lazyApp, startPythonApp, type PythonAppOptions } from './load.ts';
import { loadInstalledPyodide } from './pyodide-factory.ts';
import { loadSnapshot, writeSnapshot, type SnapshotHeader, type SnapshotTarget } from './snapshot.ts';

export { InterpreterDeadError, PythonError } from './interpreter.ts';
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
  /**
   * Process environment variables that `os.environ` follows request by request: before each request, one
   * whose value changed is set again (or taken out when it is gone). By default, where `os.environ` is the
   * process environment (no `env` given) under Lambda's runtime, `['_X_AMZN_TRACE_ID']`, which the runtime
   * client sets for each invocation; else none. Each name costs a read of `process.env` per request.
   */
  liveEnv?: readonly string[];
}

const CONSOLE_STREAMS = { stdout: (line: string) => console.log(line), stderr: (line: string) => console.error(line) };

/** Set by Lambda's runtime client for each invocation. */
const LAMBDA_TRACE_ID = '_X_AMZN_TRACE_ID';

let sharedPyodide: Promise<PyodideInterface> | undefined;

/** The installed `pyodide`, loaded once per process; Python's output goes to the console. */
export function defaultPyodide(): Promise<PyodideInterface> {
  sharedPyodide ??= loadInstalledPyodide(CONSOLE_STREAMS);
  return sharedPyodide;
}

let bridgeSource: Promise<string> | undefined;

/**
 * Loads the Python app `options.app` and gives it as a `WsgiApp`. Rejects with the import's error, naming
 * the module and sys.path. `os.environ` is `options.env`, else the process environment (else, in a
 * Pyodide the caller passed, left as the caller loaded it).
 */
export async function loadPythonApp(options: PythonAppFileOptions): Promise<WsgiApp> {
  if (options.snapshot !== undefined && options.pyodide !== undefined) {
    throw new Error('wsgi-edge: options.snapshot and options.pyodide exclude each other (a snapshot makes its own Pyodide)');
  }
  if (options.pyodide !== undefined) return startInPyodide(await options.pyodide, options);
  if (options.env === undefined) {
    const env = processEnvironment();
    options = { ...options, env, liveEnv: options.liveEnv ?? (env.AWS_LAMBDA_RUNTIME_API === undefined ? [] : [LAMBDA_TRACE_ID]) };
  }
  if (options.snapshot !== undefined) return startInPyodide(await loadSnapshot(options.snapshot, snapshotTarget(options), CONSOLE_STREAMS), options);
  const shared = defaultPyodide();
  // A dead interpreter is not handed out again: the next load (lazyPythonApp's, after a death) starts a fresh Pyodide.
  const onFatal = (error: InterpreterDeadError): void => {
    if (sharedPyodide === shared) sharedPyodide = undefined;
    options.onFatal?.(error);
  };
  return startInPyodide(await shared, { ...options, onFatal });
}

/**
 * Imports `options.app` in a fresh Pyodide and writes its memory snapshot to `file` (`wsgi-edge snapshot`).
 * The app is imported with `options.env` as os.environ, by default none of this process's environment
 * (Pyodide's HOME only): the snapshot's memory holds what the import read, and a build machine's
 * variables (its credentials among them) have no business in an artifact. A process that loads the
 * snapshot replaces os.environ with its own before the app starts, and a factory runs again then.
 */
export async function snapshotPythonApp(options: Omit<PythonAppFileOptions, 'snapshot' | 'pyodide'>, file: string): Promise<SnapshotHeader> {
  return writeSnapshot(file, snapshotTarget(options), async (pyodide) => {
    await startInPyodide(pyodide, { ...options, env: options.env ?? {} });
  }, CONSOLE_STREAMS);
}

interface DenoPermissions {
  permissions: { querySync(descriptor: { name: 'env' }): { state: string } };
}

let environmentRefused = false;

/**
 * The process environment, for os.environ. Under Deno only with `--allow-env` (reading it otherwise
 * throws, or prompts): without it, none, and the console says so once.
 */
export function processEnvironment(): Record<string, string> {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  if (deno !== undefined && deno.permissions.querySync({ name: 'env' }).state !== 'granted') {
    if (!environmentRefused) {
      environmentRefused = true;
      console.error('wsgi-edge: Deno runs without --allow-env, so the Python app\'s os.environ holds none of the process environment (give --allow-env to pass it)');
    }
    return {};
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return env;
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
  for (const [at, host] of mounts) await mountExisting(pyodide, options.app, host, at, 'options.mounts');
  const folders: string[] = [];
  for (const folder of sysPath(options, mounts)) {
    folders.push(insideAny(folder, mounts) ? folder : await mountExisting(pyodide, options.app, folder, folder, 'options.path'));
  }
  return startPythonApp(pyodide, await bridgeSource, options, folders, { names: options.liveEnv ?? [], read: (name) => process.env[name] });
}

/** mountFolder, after checking the folder is there: mounting a missing one fails with an Emscripten ErrnoError that has no message. */
async function mountExisting(pyodide: PyodideInterface, app: string, folder: string, at: string, option: string): Promise<string> {
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) {
    throw new Error(`wsgi-edge: cannot load the Python app ${JSON.stringify(app)}: no folder at ${folder} (${option})`);
  }
  return mountFolder(pyodide, folder, at);
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
  if (!done) {
    mounted.set(pyodide, (done = new Set()));
    readLinksAsTheHostDoes(pyodide);
  }
  if (done.has(mountPoint)) return mountPoint;
  pyodide.FS.mkdirTree(mountPoint);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, mountPoint);
  done.add(mountPoint);
  return mountPoint;
}

interface NodefsNode {
  mount: { mountpoint: string; opts: { root: string } };
}

interface Nodefs {
  realPath(node: NodefsNode): string;
  convertNodeCode(error: NodeJS.ErrnoException): number;
  node_ops: { readlink(node: NodefsNode): string };
}

/**
 * Emscripten's NODEFS gives a symlink's target relative to the mount's root as seen from the working
 * folder, so a relative link (`link.txt -> data/t.txt`) resolves to nothing unless the process runs in
 * that folder. Here a relative target is given as the host has it (relative to the link's own folder,
 * which the mount mirrors), and an absolute one inside the mounted folder as the same file inside Pyodide.
 */
function readLinksAsTheHostDoes(pyodide: PyodideInterface): void {
  const nodefs = pyodide.FS.filesystems.NODEFS as Nodefs;
  nodefs.node_ops.readlink = (node) => {
    let target: string;
    try {
      target = readlinkSync(nodefs.realPath(node));
    } catch (error) {
      throw new pyodide.FS.ErrnoError(nodefs.convertNodeCode(error as NodeJS.ErrnoException));
    }
    if (!path.isAbsolute(target)) return target.split(path.sep).join('/');
    const inside = path.relative(path.resolve(node.mount.opts.root), target);
    if (inside.startsWith('..') || path.isAbsolute(inside)) return target;
    return path.posix.join(node.mount.mountpoint, inside.split(path.sep).join('/'));
  };
}
