/**
 * Test helper run as its own process (so that its RSS is its own): builds a snapshot file whose heap is
 * HEAP_MIB MiB of zero pages but for a few written ones, restores that heap into a fresh wasm memory some
 * of whose pages were written first (where the heap has zeros), and prints as one JSON line whether the
 * memory then equals the heap byte for byte, and how much the process's RSS grew during the restore.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { openSnapshot } from '../../src/python/snapshot-file.ts';
import { encodeHeader, FORMAT } from '../../src/python/snapshot-format.ts';

const MIB = 1024 * 1024;
const HEAP_MIB = 64;
const WASM_PAGE = 64 * 1024;
/** Pyodide's header as the reader needs it: four words, the second saying where the heap starts. */
const PYODIDE_HEADER = 16;

const heap = new Uint8Array(HEAP_MIB * MIB);
// Written pages: the first 1 MiB whole, and one 4 KiB page in every 8 MiB, across page boundaries too.
for (let i = 0; i < MIB; i++) heap[i] = (i * 31) & 0xff;
for (let at = 8 * MIB - 2048; at < heap.length; at += 8 * MIB) heap.fill(0xa5, at, at + 4096);
const words = new DataView(new ArrayBuffer(PYODIDE_HEADER));
words.setUint32(4, PYODIDE_HEADER, true);
const header = encodeHeader({
  format: FORMAT, pyodide: 'test', python: 'test', app: 'a:b', path: [], files: null, sources: {}, bridge: null,
  made: { by: 'heap-pages.ts', at: new Date(0).toISOString() }, pyodideBytes: PYODIDE_HEADER + heap.length,
});
const dir = mkdtempSync(join(tmpdir(), 'wsgi-edge-heap-pages-'));
const file = join(dir, 'heap.snapshot');
// Written part by part: a buffer of the whole file, freed during the restore, would hide what it allocates.
const fd = openSync(file, 'w');
for (const part of [header, new Uint8Array(words.buffer), heap]) writeSync(fd, part);
closeSync(fd);

const memory = new WebAssembly.Memory({ initial: heap.length / WASM_PAGE });
const target = new Int8Array(memory.buffer);
// What a module's start-up writes before the restore overwrites it: pages where the heap is zero.
for (const at of [2 * MIB, 20 * MIB + 100, heap.length - 4096]) target.fill(-1, at, at + 4096);

const opened = await openSnapshot(file, async () => {});
const before = process.memoryUsage().rss;
opened.heap.readInto(target);
const rssGrowthMiB = (process.memoryUsage().rss - before) / MIB;
await opened.close();
rmSync(dir, { recursive: true, force: true });
const restored = new Uint8Array(memory.buffer, 0, heap.length);
console.log(JSON.stringify({ equal: Buffer.compare(restored, heap) === 0, rssGrowthMiB, heapMiB: HEAP_MIB }));
