/**
 * A snapshot file (./snapshot-format.ts) opened for a restore without a copy of it in JavaScript: its
 * header line and Pyodide's own header (magic number, build id, the state of Pyodide's JavaScript side: a
 * few KiB) are read into buffers, and the heap (24-30 MiB) later from the file into the new module's
 * wasm memory, a MiB at a time through one buffer and only the pages that differ, when Pyodide would
 * copy it there (./snapshot-heap.ts). A buffer of the whole file would be freed only by V8's next full
 * collection, which a serving process may not run for hours (bench/PROFILE.md, item 3).
 * @module
 */

import { Buffer } from 'node:buffer';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { checkPyodideLength, isSnapshotFile, parseSnapshotHeader, SnapshotMismatchError, truncatedSnapshot, type SnapshotHeader } from './snapshot-format.ts';
import type { SnapshotHeap } from './snapshot-heap.ts';

/** What a header line fits in, mostly; a longer one (an app of many files) is read in more steps. */
const FIRST_READ = 64 * 1024;
/** Pyodide's header begins with four 32-bit words: magic number, where the heap starts, JSON length, 0. */
const PYODIDE_WORDS = 16;
/** A wasm memory is whole pages, so a heap that is not was cut short (in a file that records no length). */
const WASM_PAGE = 64 * 1024;
/** What the heap is read in: a buffer reused for the whole heap. */
const READ_BYTES = 1024 * 1024;
/** The unit in which the kernel charges memory to a process (the smallest page Linux uses). */
const OS_PAGE = 4096;

/** A snapshot file open for a restore; `close()` once the restore is over. */
export interface OpenSnapshot {
  header: SnapshotHeader;
  /** Pyodide's part of the file up to its heap: what its loader is given (`_loadSnapshot`) in place of the whole part. */
  pyodideHeader: Uint8Array;
  heap: SnapshotHeap;
  close(): Promise<void>;
}

/**
 * Opens the snapshot `file`, reading its headers; `check` sees the header line before Pyodide's part is
 * looked at (another app or Pyodide is the likelier fault). Throws a SnapshotMismatchError when it is not
 * a whole snapshot.
 */
export async function openSnapshot(file: string, check: (header: SnapshotHeader) => Promise<void>): Promise<OpenSnapshot> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new Error(`wsgi-edge: cannot read the snapshot ${file}: ${(error as Error).message}`);
  }
  try {
    return await readHeaders(handle, file, check);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readHeaders(handle: FileHandle, file: string, check: (header: SnapshotHeader) => Promise<void>): Promise<OpenSnapshot> {
  const { size } = await handle.stat();
  let head = await readAt(handle, 0, Math.min(size, FIRST_READ));
  while (!head.includes(0x0a) && head.length < size && isSnapshotFile(head)) {
    head = await readAt(handle, 0, Math.min(size, head.length * 2));
  }
  const { header, start } = parseSnapshotHeader(head, file);
  await check(header);
  checkPyodideLength(header, size - start, size, file);
  const words = await readAt(handle, start, PYODIDE_WORDS);
  if (words.length < PYODIDE_WORDS) throw truncatedSnapshot(file, size);
  const heapStart = new DataView(words.buffer).getUint32(4, true);
  const heapBytes = size - start - heapStart;
  if (heapStart < PYODIDE_WORDS || heapStart % 4 !== 0 || heapBytes <= 0 || heapBytes % WASM_PAGE !== 0) throw truncatedSnapshot(file, size);
  const pyodideHeader = await readAt(handle, start, heapStart);
  const position = start + heapStart;
  return {
    header,
    pyodideHeader,
    heap: {
      bytes: heapStart + heapBytes,
      readInto(memory) {
        if (memory.length < heapBytes) throw new Error(`wsgi-edge: Pyodide's memory (${memory.length} bytes) has no room for the snapshot's ${heapBytes}`);
        const target = new Uint8Array(memory.buffer, memory.byteOffset, heapBytes);
        const chunk = new Uint8Array(Math.min(READ_BYTES, heapBytes));
        for (let done = 0; done < heapBytes;) {
          const length = Math.min(chunk.length, heapBytes - done);
          for (let got = 0; got < length;) {
            const read = readSync(handle.fd, chunk, got, length - got, position + done + got);
            if (read === 0) throw new SnapshotMismatchError(`wsgi-edge: ${file} ended ${heapBytes - done - got} bytes early (changed while it was read): make it again with wsgi-edge snapshot`);
            got += read;
          }
          writeChangedPages(target, done, chunk.subarray(0, length));
          done += length;
        }
      },
    },
    close: () => handle.close(),
  };
}

/**
 * Copies into `target` at `offset` the pages of `bytes` that differ from what is there. A page of the
 * new module's memory that nothing has written is the kernel's zero page, which no process is charged
 * for; a snapshot's heap is 40-50 % zero pages, and writing them too left a restored server 8-16 MiB
 * larger after serving (bench/PROFILE.md, item 3). Comparing only reads the memory's page, which leaves
 * it unallocated; a page the module wrote at start-up where the heap has zeros differs, and is zeroed.
 */
function writeChangedPages(target: Uint8Array, offset: number, bytes: Uint8Array): void {
  for (let start = 0; start < bytes.length; start += OS_PAGE) {
    const page = bytes.subarray(start, start + OS_PAGE);
    const there = target.subarray(offset + start, offset + start + page.length);
    if (Buffer.compare(page, there) !== 0) there.set(page);
  }
}

/** Up to `length` bytes of the file from `position`, in a buffer of their own (aligned, as Pyodide reads words). */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}
