/**
 * The app's folders in a Cloudflare artifact: one `Data` module (`app-files.bin`, every file's bytes end
 * to end, each deflated when that makes it smaller) and its index (`app-files.json`), rather than a module
 * per file. A Worker has no file system to read them from, and wrangler types a module by its file name's
 * rule: one archive needs no rule per file type, keeps every file byte for byte, and cannot catch
 * Pyodide's own files. The index is written at build time (./build.ts); this half lays the files out in
 * Pyodide's in-memory file system inside the Worker, without copying them: a stored file is a view of the
 * archive, a deflated one is inflated the first time Python reads it, so memory holds only what the app
 * opens (a Django site's catalogs stay packed).
 * @module
 */

import { inflateSync } from 'fflate';

export const ARCHIVE_FILE = 'app-files.bin';
export const INDEX_FILE = 'app-files.json';

/** One file of the archive. */
export interface PackedFile {
  /** Its path, relative to the artifact's root, with `/`. */
  path: string;
  /** Where its bytes start in the archive, and how many there are. */
  offset: number;
  length: number;
  /** The file's own size (its bytes once inflated). */
  size: number;
  /** Whether its bytes are deflated (raw deflate) or the file as it is. */
  deflated: boolean;
  /** Its modification time, in milliseconds since the epoch (static files' `Last-Modified`). */
  mtime: number;
}

export interface ArchiveIndex {
  files: PackedFile[];
}

/** What this needs of Emscripten's FS (Pyodide's `pyodide.FS`). */
export interface MemoryFileSystem {
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array, options?: { canOwn?: boolean }): void;
  lookupPath(path: string): { node: object };
  utime(path: string, atime: number, mtime: number): void;
}

/** The part of an in-memory (MEMFS) file node that holds its bytes: what Emscripten reads on every read. */
interface MemoryFileNode {
  contents: Uint8Array | null;
  usedBytes: number;
}

/** Lays the archive's files out under `root` (an absolute folder) in `fs`; gives how many. */
export function unpackInto(fs: MemoryFileSystem, root: string, index: ArchiveIndex, archive: Uint8Array): number {
  const folders = new Set<string>();
  for (const file of index.files) {
    const target = `${root}/${file.path}`;
    const folder = target.slice(0, target.lastIndexOf('/'));
    if (!folders.has(folder)) {
      fs.mkdirTree(folder);
      folders.add(folder);
    }
    const bytes = archive.subarray(file.offset, file.offset + file.length);
    if (file.deflated) {
      fs.writeFile(target, new Uint8Array(0));
      inflateOnFirstRead(fs.lookupPath(target).node as MemoryFileNode, bytes, file.size);
    } else {
      // Owned: the file is a view of the archive (a write that grows it moves it to a buffer of its own).
      fs.writeFile(target, bytes, { canOwn: true });
    }
    fs.utime(target, file.mtime, file.mtime);
  }
  return index.files.length;
}

/**
 * Gives `node` its size now and its bytes when something first asks for them: Emscripten's MEMFS reads
 * `node.contents` for every read, mmap and write, and `node.usedBytes` for `stat`.
 */
function inflateOnFirstRead(node: MemoryFileNode, deflated: Uint8Array, size: number): void {
  const settle = (value: Uint8Array | null): void => {
    Object.defineProperty(node, 'contents', { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(node, 'contents', {
    configurable: true,
    enumerable: true,
    get() {
      const inflated = inflateSync(deflated, { out: new Uint8Array(size) });
      settle(inflated);
      return inflated;
    },
    set: settle,
  });
  node.usedBytes = size;
}
