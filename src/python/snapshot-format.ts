/**
 * The snapshot file's format (a header line of JSON, padded so that Pyodide's part starts 16-byte
 * aligned, then Pyodide's bytes) and what Python is told after a restore: the parts of ./snapshot.ts
 * that need no file system, so that a Worker (./workerd.ts) reads the same files a Node process writes.
 * @module
 */

import type { PyodideInterface } from 'pyodide';

const MAGIC = 'wsgi-edge snapshot ';
export const FORMAT = 2;
/** Pyodide reads its part as 32-bit words (and emscripten copies it page by page): keep it aligned. */
const ALIGN = 16;
const NEWLINE = 0x0a;

/** The snapshot file's header. */
export interface SnapshotHeader {
  format: typeof FORMAT;
  /** The Pyodide that made it; only the same version can load it. */
  pyodide: string;
  /** `sys.version` inside it. */
  python: string;
  app: string;
  path: string[];
  /** SHA-256 of `files` (sorted by name), or null when there were none. */
  files: string | null;
  /** SHA-256 of each file the snapshot imported from `path`, by its path inside Pyodide: a changed one makes it stale. */
  sources: Record<string, string>;
  /**
   * SHA-256 of the bridge's Python half it holds, or null for none: imported, it is kept over the one a
   * later wsgi-edge installs, so only the same one may load it.
   */
  bridge: string | null;
  /** Where and when it was made, for people reading the header. */
  made: { by: string; at: string };
  /**
   * The length of Pyodide's part (its header and the heap): a file cut on a wasm page boundary has a heap
   * of whole pages still, so only this tells it. Absent from files made before wsgi-edge recorded it.
   */
  pyodideBytes?: number;
}

/** A snapshot that must not be loaded here: another Pyodide, another app, or a source changed since. */
export class SnapshotMismatchError extends Error {
  override readonly name = 'SnapshotMismatchError';
}

/** True when `bytes` begin as a wsgi-edge snapshot file does (rather than as Pyodide's bare memory). */
export function isSnapshotFile(bytes: Uint8Array): boolean {
  const magic = new TextEncoder().encode(MAGIC);
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/** Splits a snapshot file into its header and Pyodide's part; throws when it is not one. */
export function parseSnapshot(bytes: Uint8Array, name = 'the snapshot'): { header: SnapshotHeader; memory: Uint8Array } {
  const { header, start } = parseSnapshotHeader(bytes, name);
  let memory = bytes.subarray(start);
  checkPyodideLength(header, memory.length, bytes.length, name);
  // A Buffer from a pool can start anywhere; Pyodide needs its part on a 4-byte boundary.
  if (memory.byteOffset % ALIGN !== 0) memory = memory.slice();
  return { header, memory };
}

/**
 * Throws a SnapshotMismatchError when Pyodide's part of the file (`partBytes` of its `fileBytes`) is not
 * the length the header recorded.
 */
export function checkPyodideLength(header: SnapshotHeader, partBytes: number, fileBytes: number, name: string): void {
  const recorded = header.pyodideBytes;
  if (recorded === undefined || partBytes === recorded) return;
  throw partBytes < recorded
    ? truncatedSnapshot(name, fileBytes)
    : new SnapshotMismatchError(`wsgi-edge: ${name} has ${partBytes - recorded} bytes more than it was made with: make it again with wsgi-edge snapshot`);
}

/** The error for a snapshot file `name` of `fileBytes` bytes that was cut short. */
export function truncatedSnapshot(name: string, fileBytes: number): SnapshotMismatchError {
  return new SnapshotMismatchError(`wsgi-edge: ${name} is truncated (${fileBytes} bytes): make it again with wsgi-edge snapshot`);
}

/**
 * The header of the snapshot file whose first bytes (its header line at least) are `bytes`, and where
 * Pyodide's part starts in it; throws when it is not one.
 */
export function parseSnapshotHeader(bytes: Uint8Array, name = 'the snapshot'): { header: SnapshotHeader; start: number } {
  const end = bytes.indexOf(NEWLINE);
  if (end < 0 || !isSnapshotFile(bytes)) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} is not a wsgi-edge snapshot (make one with wsgi-edge snapshot)`);
  }
  let header: SnapshotHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length, end))) as SnapshotHeader;
  } catch {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} has an unreadable header`);
  }
  if (header.format !== FORMAT) {
    throw new SnapshotMismatchError(`wsgi-edge: ${name} is in snapshot format ${String(header.format)}, this wsgi-edge reads format ${FORMAT}: make it again`);
  }
  return { header, start: Math.ceil((end + 1) / ALIGN) * ALIGN };
}

/**
 * What Python must be told after a restore: fresh random state (else every process from one snapshot
 * draws the same numbers), and the empty sys.path entry that each loadPyodide adds kept once.
 * `loadSnapshot` calls it. The environment is not set here: os.environ still holds the values of where
 * the snapshot was made until the app is started with its `env` (load.ts), which replaces them all.
 *
 * The mounted folders' finders forget their listings when the bridge looks the app up (`load_app`), not
 * here. Not `json` either: its first import after a restore costs 0.15 s.
 */
export function afterRestore(pyodide: PyodideInterface): void {
  // Its own globals, so that nothing lands in __main__.
  const scope = pyodide.toPy({});
  try {
    pyodide.runPython(`
import sys
if 'random' in sys.modules:
    sys.modules['random'].seed()
while sys.path.count('') > 1:
    sys.path.remove('')
`, { globals: scope });
  } finally {
    scope.destroy();
  }
}

export function encodeHeader(header: SnapshotHeader): Uint8Array {
  const line = `${MAGIC}${JSON.stringify(header)}`;
  const length = Math.ceil((new TextEncoder().encode(line).length + 1) / ALIGN) * ALIGN;
  const bytes = new Uint8Array(length).fill(0x20);
  const { written } = new TextEncoder().encodeInto(line, bytes);
  bytes[written] = NEWLINE;
  return bytes;
}
