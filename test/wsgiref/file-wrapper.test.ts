/**
 * `FileWrapper` over every kind of source, and `environ['wsgi.file_wrapper']` through `handle()`:
 * the Blob / ReadableStream hand-over to the `Response`, and the cases that must take the usual path.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fileWrapperSource, isFileWrapper } from '../../src/core/file-wrapper.ts';
import type { Chunk, WsgiApp } from '../../src/core/types.ts';
import { FileWrapper } from '../../src/wsgiref/util.ts';
import { validator } from '../../src/wsgiref/validate.ts';
import { call } from '../helpers/call.ts';

const bytes = (length: number) => Uint8Array.from({ length }, (_, i) => i % 251);

async function collect(wrapper: FileWrapper): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of wrapper) chunks.push(chunk);
  return chunks;
}

const lengths = (chunks: Chunk[]) => chunks.map((chunk) => chunk.length);

function concat(chunks: Chunk[]): Uint8Array {
  const parts = chunks.map((chunk) => (typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk));
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function streamOf(chunks: Uint8Array[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    cancel: onCancel,
  });
}

/** A file-like object over bytes, `read(n)` sync or async, with `close()`. */
function fileLike(data: Uint8Array, async = false) {
  let offset = 0;
  const file = {
    closed: 0,
    reads: [] as number[],
    read(size: number) {
      file.reads.push(size);
      const piece = data.subarray(offset, offset + size);
      offset += piece.length;
      return async ? Promise.resolve(piece) : piece;
    },
    close() {
      file.closed++;
    },
  };
  return file;
}

describe('FileWrapper sources', () => {
  it('a file-like object, read(n) sync or async: blksize requests until an empty read, close() forwarded', async () => {
    for (const async of [false, true]) {
      const file = fileLike(bytes(2500), async);
      const wrapper = new FileWrapper(file, 1000);
      const chunks = await collect(wrapper);
      expect(lengths(chunks)).toEqual([1000, 1000, 500]);
      expect(concat(chunks)).toEqual(bytes(2500));
      expect(file.reads).toEqual([1000, 1000, 1000, 1000]);
      expect(file.closed).toBe(0);
      await wrapper.close!();
      expect(file.closed).toBe(1);
    }
  });

  it('a Blob: exactly blksize chunks, no close()', async () => {
    const wrapper = new FileWrapper(new Blob([bytes(20000)]));
    const chunks = await collect(wrapper);
    expect(lengths(chunks)).toEqual([8192, 8192, 3616]);
    expect(concat(chunks)).toEqual(bytes(20000));
    expect('close' in wrapper).toBe(false);
  });

  it('a ReadableStream: chunks cut down to blksize, smaller ones passed on as they come', async () => {
    const source = streamOf([bytes(2500), bytes(10), bytes(0), bytes(1000)]);
    const chunks = await collect(new FileWrapper(source, 1000));
    expect(lengths(chunks)).toEqual([1000, 1000, 500, 10, 1000]);
    expect(concat(chunks)).toEqual(concat([bytes(2500), bytes(10), bytes(1000)]));
    expect(source.locked).toBe(false);
  });

  it('an async iterable, and a Node Readable (read by iterating: its read(n) gives null before the end)', async () => {
    async function* generate() {
      yield bytes(300);
      yield bytes(50);
    }
    expect(lengths(await collect(new FileWrapper(generate(), 100)))).toEqual([100, 100, 100, 50]);
    const node = Readable.from([Buffer.from(bytes(250)), Buffer.from(bytes(250))], { objectMode: false });
    const chunks = await collect(new FileWrapper(node, 200));
    expect(concat(chunks)).toEqual(concat([bytes(250), bytes(250)]));
  });

  it('is its own iterator, not resumable, and return() releases the source early', async () => {
    let cancelled = 0;
    const wrapper = new FileWrapper(streamOf([bytes(10), bytes(10)], () => { cancelled++; }), 4);
    expect(wrapper[Symbol.asyncIterator]()).toBe(wrapper);
    expect((await wrapper.next()).value).toEqual(bytes(4));
    expect(wrapper.started).toBe(true);
    await wrapper.return();
    expect(cancelled).toBe(1);
    expect((await wrapper.next()).done).toBe(true);

    let finished = false;
    async function* generate() {
      try {
        yield bytes(1);
        yield bytes(1);
      } finally {
        finished = true;
      }
    }
    const early = new FileWrapper(generate());
    await early.next();
    await early.return();
    expect(finished).toBe(true);
  });

  it('refuses what it could not read, and a bad blksize', () => {
    expect(() => new FileWrapper('text' as never)).toThrow(/got "text"/);
    expect(() => new FileWrapper({} as never)).toThrow(/got a Object object/);
    expect(() => new FileWrapper(new Blob([]), 0)).toThrow(/blksize must be a positive integer \(got 0\)/);
    expect(() => new FileWrapper(new Blob([]), 1.5)).toThrow(RangeError);
  });

  it('a non-byte chunk from a stream is an error naming it', async () => {
    async function* generate() {
      yield 5 as unknown as Uint8Array;
    }
    await expect(collect(new FileWrapper(generate()))).rejects.toThrow(/non-byte chunk \(got 5\)/);
  });

  it('isFileWrapper and fileWrapperSource: only untouched wrappers over a Blob or a ReadableStream', async () => {
    const blob = new Blob(['x']);
    const stream = streamOf([bytes(1)]);
    expect(fileWrapperSource(new FileWrapper(blob))).toBe(blob);
    expect(fileWrapperSource(new FileWrapper(stream))).toBe(stream);
    expect(fileWrapperSource(new FileWrapper(fileLike(bytes(1))))).toBeUndefined();
    expect(fileWrapperSource([bytes(1)])).toBeUndefined();
    const started = new FileWrapper(new Blob(['ab']), 1);
    await started.next();
    expect(fileWrapperSource(started)).toBeUndefined();
    expect(isFileWrapper(started)).toBe(true);
    expect(isFileWrapper({})).toBe(false);
  });
});

describe("environ['wsgi.file_wrapper'] through handle()", () => {
  /** An app that returns the environ's file wrapper over `source`, after `headers`. */
  function serving(source: () => unknown, headers: [string, string][] = [['Content-Type', 'application/octet-stream']], blksize?: number): WsgiApp {
    return (environ, startResponse) => {
      startResponse('200 OK', headers);
      const wrap = environ['wsgi.file_wrapper']!;
      return wrap(source() as Blob, blksize);
    };
  }

  it('is offered as a function, as PEP 3333 calls it', async () => {
    let seen: unknown;
    await call((environ, startResponse) => {
      seen = environ['wsgi.file_wrapper'];
      startResponse('204 No Content', []);
      return [];
    });
    expect(typeof seen).toBe('function');
    expect(isFileWrapper((seen as (s: Blob) => unknown)(new Blob([])))).toBe(true);
  });

  it('a Blob goes to the Response with its size as Content-Length and no Content-Type of its own', async () => {
    const blob = new Blob([bytes(100000)], { type: 'text/html' });
    const { response, log } = await call(serving(() => blob, []));
    expect(response.headers.get('content-length')).toBe('100000');
    expect(response.headers.get('content-type')).toBeNull();
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes(100000));
    expect(log).toEqual([]);
  });

  it('a ReadableStream is the Response body itself', async () => {
    const stream = streamOf([bytes(5000), bytes(5000)]);
    const { response } = await call(serving(() => stream));
    expect(response.body).toBe(stream);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(concat([bytes(5000), bytes(5000)]));
  });

  it('HEAD and 304 send no body and cancel a stream', async () => {
    let cancelled = 0;
    const { response } = await call(serving(() => streamOf([bytes(10)], () => { cancelled++; })), '/', { method: 'HEAD' });
    expect(response.body).toBeNull();
    expect(cancelled).toBe(1);
    const notModified: WsgiApp = (environ, startResponse) => {
      startResponse('304 Not Modified', []);
      return environ['wsgi.file_wrapper']!(new Blob(['x']));
    };
    expect((await call(notModified)).response.body).toBeNull();
  });

  it('the usual path when the hand-over cannot hold the rules: Content-Length mismatch, close(), write() first, validator', async () => {
    // A Blob longer than the declared length is cut to it, as any body is.
    const long = await call(serving(() => new Blob([bytes(100)]), [['Content-Type', 'x/y'], ['Content-Length', '10']]));
    expect(new Uint8Array(await long.response.arrayBuffer())).toEqual(bytes(10));

    // A stream with a declared length is counted chunk by chunk.
    const counted = await call(serving(() => streamOf([bytes(30)]), [['Content-Type', 'x/y'], ['Content-Length', '30']]));
    expect(counted.response.body).not.toBeNull();
    expect(new Uint8Array(await counted.response.arrayBuffer())).toEqual(bytes(30));

    // A source with close(): iterated, then closed once.
    const file = fileLike(bytes(20000), true);
    const closing = await call((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'x/y']]);
      return environ['wsgi.file_wrapper']!(file, 4096);
    });
    expect(new Uint8Array(await closing.response.arrayBuffer())).toEqual(bytes(20000));
    expect(file.closed).toBe(1);

    // write() before the wrapper: its chunk goes first.
    const written = await call((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'x/y']])('head:');
      return environ['wsgi.file_wrapper']!(new Blob(['tail']));
    });
    expect(await written.response.text()).toBe('head:tail');

    // Under validator() the body is its wrapper, no longer the FileWrapper: iterated, same bytes.
    const validated = await call(validator(serving(() => streamOf([bytes(3000)]))));
    expect(new Uint8Array(await validated.response.arrayBuffer())).toEqual(bytes(3000));
    expect(validated.log).toEqual([]);
  });
});
