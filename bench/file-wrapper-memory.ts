/**
 * `npm run bench:file-wrapper`: streams a 100 MiB `FileWrapper` body through `handle()` and prints the
 * peak growth of the process's resident memory while a client reads it, for each kind of source:
 * a generated `ReadableStream` and a file on disk as a `Blob` (both handed to the `Response` as they
 * are), a file-like `read(n)` over a file handle and a `Blob` behind `validator()` (both iterated by the
 * gateway chunk by chunk). A last row holds the same bytes in one array, to show what "not flat" is.
 *
 * A measurement, not a test: run with `--expose-gc` (the npm script does) so each row starts from a
 * collected heap, after a warm-up round. Exits 1 when a streamed row grows by more than a quarter of the body.
 * @module
 */

import { openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handle, type WsgiApp } from '../src/index.ts';
import { FileWrapper, type FileSource } from '../src/wsgiref/util.ts';
import { validator } from '../src/wsgiref/validate.ts';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const PIECE = 64 * 1024;
const FLAT_LIMIT = SIZE / 4;
/** Which path each row takes (test/wsgiref/file-wrapper.test.ts checks the gateway's choice). */
const HANDED = 'handed to the Response';
const ITERATED = 'iterated by the gateway';

const gc = (globalThis as { gc?: () => void }).gc;

/** A stream that makes each 64 KiB piece when the reader pulls it. */
function generatedStream(): ReadableStream<Uint8Array> {
  let made = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made >= SIZE) {
        controller.close();
        return;
      }
      const length = Math.min(PIECE, SIZE - made);
      controller.enqueue(new Uint8Array(length).fill(made & 0xff));
      made += length;
    },
  }, { highWaterMark: 0 });
}

async function writeFile(path: string): Promise<void> {
  const handle = await open(path, 'w');
  const piece = new Uint8Array(MiB).fill(0x61);
  for (let written = 0; written < SIZE; written += piece.length) await handle.write(piece);
  await handle.close();
}

/** Python's file object over a file handle: read(n) and close(). */
async function fileLike(path: string): Promise<FileSource> {
  const handle = await open(path, 'r');
  return {
    async read(size: number) {
      const buffer = new Uint8Array(size);
      const { bytesRead } = await handle.read(buffer, 0, size, null);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

function wrapperApp(source: () => Promise<FileSource> | FileSource): WsgiApp {
  return async (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return environ['wsgi.file_wrapper']?.(await source()) ?? new FileWrapper(await source());
  };
}

interface Row {
  name: string;
  bytes: number;
  peakGrowth: number;
  path: string;
}

/** Reads the whole response, sampling RSS every megabyte or so; returns the peak growth. */
async function measure(name: string, path: string, app: WsgiApp): Promise<Row> {
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const response = await handle(app, new Request('http://bench.test/file'), { errors: () => undefined });
  const reader = response.body!.getReader();
  let bytes = 0;
  let nextSample = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes >= nextSample) {
      peak = Math.max(peak, process.memoryUsage().rss);
      nextSample = bytes + MiB;
    }
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { name, bytes, peakGrowth: peak - baseline, path };
}

const dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-file-wrapper-'));
const file = join(dir, 'body.bin');
try {
  await writeFile(file);
  const streamedRows = async (): Promise<Row[]> => [
    await measure('ReadableStream (generated)', HANDED, wrapperApp(generatedStream)),
    await measure('Blob (fs.openAsBlob)', HANDED, wrapperApp(() => openAsBlob(file))),
    await measure('file-like read(n) over a file handle', ITERATED, wrapperApp(() => fileLike(file))),
    await measure('Blob behind validator()', ITERATED, validator(wrapperApp(() => openAsBlob(file)))),
  ];
  // A first round warms up the JIT and the stream machinery, whose one-time heap would count as growth.
  await streamedRows();
  const rows = await streamedRows();
  const buffered = await measure('for contrast: one 100 MiB Uint8Array', 'buffered', (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return [new Uint8Array(SIZE).fill(0x61)];
  });

  console.log(`FileWrapper body of ${SIZE / MiB} MiB through handle(), Node ${process.versions.node}, after one warm-up round${gc ? '' : ' (no --expose-gc: baselines include garbage)'}`);
  console.log('| source | path | bytes read | peak RSS growth |');
  console.log('|---|---|---|---|');
  for (const row of [...rows, buffered]) {
    console.log(`| ${row.name} | ${row.path} | ${row.bytes} | ${(row.peakGrowth / MiB).toFixed(1)} MiB |`);
  }
  const failed = rows.filter((row) => row.bytes !== SIZE || row.peakGrowth > FLAT_LIMIT);
  console.log(failed.length === 0 ? `flat: every streamed row grew by less than ${FLAT_LIMIT / MiB} MiB` : `NOT flat: ${failed.map((row) => row.name).join(', ')}`);
  if (failed.length > 0) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
