/**
 * Memory snapshots of a Pyodide whose app is already imported, so that a process starts serving without
 * running Python's start-up and the app's imports again (Pyodide's `_makeSnapshot` / `_loadSnapshot`).
 *
 * What a snapshot holds is the wasm memory: the interpreter, `sys.modules`, `sys.path`, every module's
 * state. What it does not hold is everything on the JavaScript side: Emscripten's file system (mounts
 * and files written into it) and JavaScript objects. So after loading, the caller redoes its mounts and
 * writes its files again before the app imports anything lazily or opens a template; this module
 * reseeds `random` (a snapshot would otherwise give every process the same numbers).
 *
 * A snapshot file is a header line of JSON (what it was made of and by), padded so that Pyodide's part
 * starts 16-byte aligned, then Pyodide's bytes. One file rather than a sidecar: the two cannot part or
 * go stale apart, and the header is read before Pyodide is loaded, so a mismatch fails in milliseconds.
 * @module
 */

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { PyodideInterface } from 'pyodide';
import { BRIDGE_DIR, BRIDGE_MODULE } from './bridge.ts';
import { forgetCallTrampoline } from './call-trampoline.ts';
import { loadInstalledPyodide } from './pyodide-factory.ts';
import { afterRestore, encodeHeader, FORMAT, parseSnapshotHeader, SnapshotMismatchError, type SnapshotHeader } from './snapshot-format.ts';
import { openSnapshot } from './snapshot-file.ts';

export { afterRestore, parseSnapshot, SnapshotMismatchError, type SnapshotHeader } from './snapshot-format.ts';

const BRIDGE_FILE = `${BRIDGE_DIR}/${BRIDGE_MODULE}.py`;

/** What a snapshot is of. Loading compares it with the snapshot's, so a snapshot serves only the app it was made for. */
export interface SnapshotTarget {
  /** `'module:callable'`, as the bridge takes it. */
  app: string;
  /** Host folders on sys.path, absolute, in order. */
  path?: readonly string[];
  /** Sources written into Pyodide's file system (`{ 'pkg/mod.py': text }`). */
  files?: Readonly<Record<string, string>>;
  /**
   * Where the host file behind a path Pyodide sees is (identity by default): a folder mounted at a fixed
   * path (an artifact's `/var/task`) is read from wherever it is on this host.
   */
  hostPath?: (pyodidePath: string) => string;
}

/**
 * Options passed on to `loadPyodide` (streams, indexURL...), without the snapshot ones this module sets,
 * and without `env`: a restored Python keeps the os.environ of where the snapshot was made whatever
 * `loadPyodide` is told, so the environment is the app's start's to set (PythonAppOptions.env replaces it).
 */
export type PyodideLoadOptions = Omit<
  NonNullable<Parameters<typeof import('pyodide').loadPyodide>[0]>,
  '_makeSnapshot' | '_loadSnapshot' | '_snapshotDeserializer' | 'env'
>;

/** Runs in the Pyodide being snapshotted: mounts, sys.path, imports (the bridge supplies it). */
export type PrepareSnapshot = (pyodide: PyodideInterface) => void | Promise<void>;

type PyodideModule = typeof import('pyodide');

/** Loads Pyodide, runs `prepare` in it, and gives the snapshot file's bytes (header and memory). */
export async function makeSnapshot(target: SnapshotTarget, prepare: PrepareSnapshot, loadOptions: PyodideLoadOptions = {}): Promise<Uint8Array> {
  const { loadPyodide, version } = await pyodideModule();
  const pyodide = await loadPyodide({ ...loadOptions, _makeSnapshot: true });
  await prepare(pyodide);
  refuseWhatASnapshotLoses(pyodide);
  const header: SnapshotHeader = {
    format: FORMAT,
    pyodide: version,
    python: String(pyodide.runPython('import sys; sys.version')),
    app: target.app,
    path: [...(target.path ?? [])],
    files: filesDigest(target.files),
    sources: await sourceDigests(importedFolderFiles(pyodide, target.path ?? []), target.hostPath),
    bridge: bridgeDigest(pyodide),
    made: { by: runtimeName(), at: new Date().toISOString() },
  };
  let memory: Uint8Array;
  forgetCallTrampoline(pyodide);
  try {
    memory = pyodide.makeMemorySnapshot();
  } catch (error) {
    throw new Error(
      `wsgi-edge: cannot snapshot ${target.app}: ${(error as Error).message}. Python holds a JavaScript object ` +
        'that a snapshot cannot carry (a module registered from JavaScript, or a proxy made while importing); ' +
        'do that on the first request instead',
    );
  }
  return concat(encodeHeader({ ...header, pyodideBytes: memory.length }), memory);
}

/** `makeSnapshot` written to `file`; gives its header. */
export async function writeSnapshot(file: string, target: SnapshotTarget, prepare: PrepareSnapshot, loadOptions?: PyodideLoadOptions): Promise<SnapshotHeader> {
  const bytes = await makeSnapshot(target, prepare, loadOptions);
  await writeFile(file, bytes);
  return parseSnapshotHeader(bytes, file).header;
}

/**
 * Throws a SnapshotMismatchError unless `header` was made by Pyodide `pyodideVersion` for `target`, from
 * the sources as they are now. Reads the sources the snapshot imported from the host (milliseconds).
 */
export async function checkSnapshot(header: SnapshotHeader, target: SnapshotTarget, pyodideVersion: string, name = 'the snapshot'): Promise<void> {
  const again = 'make it again with wsgi-edge snapshot';
  if (header.pyodide !== pyodideVersion) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} was made by Pyodide ${header.pyodide}, but this is Pyodide ${pyodideVersion}: ${again}`);
  }
  const path = [...(target.path ?? [])];
  if (header.app !== target.app || JSON.stringify(header.path) !== JSON.stringify(path)) {
    throw new SnapshotMismatchError(
      `wsgi-edge: ${name} is of ${header.app} with path ${JSON.stringify(header.path)}, not of ${target.app} with path ${JSON.stringify(path)}: ${again}`,
    );
  }
  if (header.bridge !== null && header.bridge !== sha256(await readFile(new URL(`./${BRIDGE_MODULE}.py`, import.meta.url)))) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} holds another version of wsgi-edge's Python bridge than this one: ${again}`);
  }
  if (header.files !== filesDigest(target.files)) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} was made with other files (options.files) than these: ${again}`);
  }
  const now = await sourceDigests(Object.keys(header.sources), target.hostPath);
  const changed = Object.keys(header.sources).filter((file) => now[file] !== header.sources[file]);
  if (changed.length > 0) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} is stale: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''} changed since it was made: ${again}`);
  }
}

/**
 * A Pyodide restored from the snapshot `file`, after checking it is of `target` and this Pyodide. The
 * caller then redoes what lives on the JavaScript side (mounts, files written into Pyodide).
 */
export async function loadSnapshot(file: string, target: SnapshotTarget, loadOptions: PyodideLoadOptions = {}): Promise<PyodideInterface> {
  const { version } = await pyodideModule();
  const snapshot = await openSnapshot(file, (header) => checkSnapshot(header, target, version, file));
  let pyodide: PyodideInterface;
  try {
    // The heap goes from the file into wasm memory: no buffer of it exists for Pyodide's loader to keep
    // (as `API.config._loadSnapshot`, for the life of the process) or for V8 to free late (bench/PROFILE.md, item 3).
    pyodide = await loadInstalledPyodide({ ...loadOptions, _loadSnapshot: snapshot.pyodideHeader }, snapshot.heap);
  } finally {
    await snapshot.close();
  }
  afterRestore(pyodide);
  return pyodide;
}

/**
 * Pyodide 0.27 restores neither packages it loaded (their files live in the JavaScript-side file system)
 * nor native extension modules (their wasm is linked outside the memory): refuse them here rather than
 * fail obscurely in the process that loads the snapshot.
 */
function refuseWhatASnapshotLoses(pyodide: PyodideInterface): void {
  const packages = Object.keys(pyodide.loadedPackages);
  if (packages.length > 0) {
    throw new Error(`wsgi-edge: cannot snapshot after loading Pyodide packages (${packages.join(', ')}): a snapshot keeps only pure-Python code from folders on the path`);
  }
  const names = pythonStrings(pyodide, `
import sys
sorted(name for name, module in list(sys.modules.items())
       if str(getattr(module, '__file__', None) or '').endswith('.so'))
`);
  if (names.length > 0) {
    throw new Error(`wsgi-edge: cannot snapshot after importing native extension modules (${names.join(', ')}): Pyodide ${pyodide.version} does not restore them`);
  }
}

/** The list of str that `code` ends with, run in globals of its own (nothing lands in __main__, nor in the snapshot). */
function pythonStrings(pyodide: PyodideInterface, code: string): string[] {
  const scope = pyodide.toPy({});
  try {
    const list = pyodide.runPython(code, { globals: scope }) as { toJs(): string[]; destroy(): void };
    try {
      return list.toJs();
    } finally {
      list.destroy();
    }
  } finally {
    scope.destroy();
  }
}

interface MountedNode {
  mount: { type: unknown };
}

/** Paths (inside Pyodide) of the modules Python has imported from host folders mounted on `path`. */
function importedFolderFiles(pyodide: PyodideInterface, folders: readonly string[]): string[] {
  const files = pythonStrings(pyodide, `
import sys
sorted({f for f in (getattr(m, '__file__', None) for m in list(sys.modules.values())) if isinstance(f, str)})
`);
  const nodefs = pyodide.FS.filesystems.NODEFS;
  const imported: string[] = [];
  for (const file of files) {
    let node: MountedNode;
    try {
      node = pyodide.FS.lookupPath(file).node as unknown as MountedNode;
    } catch {
      continue; // Frozen or zipped (the stdlib): not a host file.
    }
    if (node.mount.type !== nodefs) continue;
    if (folders.some((folder) => file.startsWith(folder.endsWith('/') ? folder : `${folder}/`))) imported.push(file);
  }
  return imported;
}

async function sourceDigests(files: readonly string[], hostPath: (file: string) => string = (file) => file): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  await Promise.all(files.map(async (file) => {
    try {
      digests[file] = sha256(await readFile(hostPath(file)));
    } catch {
      digests[file] = 'missing';
    }
  }));
  return Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function filesDigest(files: SnapshotTarget['files']): string | null {
  if (!files || Object.keys(files).length === 0) return null;
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(`${JSON.stringify(name)}\0${files[name]}\0`);
  return hash.digest('hex');
}

/** The digest of the bridge file in Pyodide's file system, or null when none was installed. */
function bridgeDigest(pyodide: PyodideInterface): string | null {
  try {
    return sha256(pyodide.FS.readFile(BRIDGE_FILE));
  } catch {
    return null;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  return bytes;
}

function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  return deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;
}

function pyodideModule(): Promise<PyodideModule> {
  return import('pyodide');
}
