/**
 * `FileWrapper`: the port of `wsgiref.util.FileWrapper`, and what the gateway offers as
 * `environ['wsgi.file_wrapper']` (PEP 3333 "Optional Platform-Specific File Handling").
 *
 * It turns a source of bytes into the body iterable an app returns, read `blksize` bytes at a time.
 * Besides Python's file-like object (`read(n)`, here sync or async) it takes what Fetch runtimes hand
 * out for files: a `Blob` (a Node `fs.openAsBlob()` file, an R2 object's `blob()`, a `File`), a
 * `ReadableStream`, or any async iterable of bytes. When an app returns an untouched `FileWrapper`
 * over a `Blob` or a `ReadableStream`, the gateway gives that source to the `Response` itself
 * (`fileWrapperSource`), so the platform streams it without a JavaScript round trip per chunk.
 *
 * Runtime-neutral: no Node, Workers or Deno API is used here.
 * @module
 */

import type { Chunk } from './types.ts';

/** Python's file-like object: `read(n)` returns up to `n` bytes (or characters), empty or nullish at EOF. */
export interface FileLike {
  read(size: number): Chunk | null | undefined | Promise<Chunk | null | undefined>;
  close?(): void | Promise<void>;
}

/** Everything `FileWrapper` reads from. */
export type FileSource = FileLike | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** `environ['wsgi.file_wrapper']`: PEP 3333's callable, `(filelike, blockSize?) => iterable`. */
export type FileWrapperFactory = (source: FileSource, blksize?: number) => FileWrapper;

/** Marks wrappers across copies of this module (a bundle and the package can both be loaded). */
const BRAND = Symbol.for('wsgi-edge.FileWrapper');

const EMPTY_RESULT: IteratorReturnResult<undefined> = { done: true, value: undefined };

type Reader = () => Promise<Chunk | undefined>;

/**
 * Iterates `source` in chunks of at most `blksize` bytes: exactly `blksize` for a `Blob` and for a
 * `read(n)` that fills its request, the stream's own chunks cut down to `blksize` otherwise (a chunk
 * that is already smaller goes out at once rather than waiting for more).
 *
 * As in Python, the wrapper is its own iterator (it cannot be iterated twice), running out does not
 * close the source, and `close` exists exactly when the source has a `close()`, which it forwards to.
 */
export class FileWrapper implements AsyncIterableIterator<Chunk> {
  readonly filelike: FileSource;
  readonly blksize: number;
  /** Forwards to the source's own `close()`; absent when the source has none (as in wsgiref). */
  declare close?: () => void | Promise<void>;
  readonly [BRAND] = true;
  #read: Reader | undefined;
  #stop: (() => Promise<void>) | undefined;
  #started = false;
  #done = false;

  constructor(source: FileSource, blksize = 8192) {
    if (!Number.isSafeInteger(blksize) || blksize <= 0) {
      throw new RangeError(`blksize must be a positive integer (got ${JSON.stringify(blksize)})`);
    }
    if (source === null || (typeof source !== 'object' && typeof source !== 'function')) {
      throw new TypeError(`FileWrapper needs a file-like object, a Blob, a ReadableStream or an async iterable (got ${describe(source)})`);
    }
    kindOf(source); // refuses anything it could not read, now rather than at the first chunk
    this.filelike = source;
    this.blksize = blksize;
    const close = (source as { close?: unknown }).close;
    if (typeof close === 'function') {
      this.close = () => close.call(source) as void | Promise<void>;
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Chunk, undefined>> {
    if (this.#done) return EMPTY_RESULT;
    this.#started = true;
    this.#read ??= this.#open();
    const chunk = await this.#read();
    if (chunk === undefined || chunk.length === 0) {
      this.#done = true;
      return EMPTY_RESULT;
    }
    return { done: false, value: chunk };
  }

  /** Iteration stopped early: releases a stream reader or ends an inner iterator (not `close()`). */
  async return(): Promise<IteratorResult<Chunk, undefined>> {
    this.#done = true;
    await this.#stop?.();
    this.#stop = undefined;
    return EMPTY_RESULT;
  }

  /** `true` once reading has begun; the gateway only hands over sources nobody has read from. */
  get started(): boolean {
    return this.#started;
  }

  #open(): Reader {
    const source = this.filelike;
    const size = this.blksize;
    switch (kindOf(source)) {
      case 'blob':
        return blobReader(source as Blob, size);
      case 'stream': {
        const reader = (source as ReadableStream<Uint8Array>).getReader();
        this.#stop = () => reader.cancel().catch(() => undefined);
        return splitter(async () => {
          const result = await reader.read();
          if (result.done) {
            reader.releaseLock();
            this.#stop = undefined;
            return undefined;
          }
          return result.value;
        }, size);
      }
      case 'filelike': {
        const file = source as FileLike;
        return async () => (await file.read(size)) ?? undefined;
      }
      case 'iterable': {
        const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        this.#stop = async () => {
          await iterator.return?.();
        };
        return splitter(async () => {
          const result = await iterator.next();
          if (result.done) {
            this.#stop = undefined;
            return undefined;
          }
          return result.value;
        }, size);
      }
    }
  }
}

type Kind = 'blob' | 'stream' | 'filelike' | 'iterable';

function kindOf(source: object): Kind {
  if (typeof Blob === 'function' && source instanceof Blob) return 'blob';
  if (typeof ReadableStream === 'function' && source instanceof ReadableStream) return 'stream';
  const candidate = source as Record<PropertyKey, unknown>;
  const iterable = typeof candidate[Symbol.asyncIterator] === 'function';
  // A Node Readable has read(n) too, but it returns null whenever less than n bytes are buffered,
  // long before the end: such a stream is read by iterating it instead.
  const nodeStream = typeof candidate.pipe === 'function' && typeof candidate.on === 'function';
  if (typeof candidate.read === 'function' && !(iterable && nodeStream)) return 'filelike';
  if (iterable) return 'iterable';
  throw new TypeError(`FileWrapper needs a file-like object with read(n), a Blob, a ReadableStream or an async iterable (got ${describe(source)})`);
}

function blobReader(blob: Blob, size: number): Reader {
  let offset = 0;
  return async () => {
    if (offset >= blob.size) return undefined;
    const end = Math.min(offset + size, blob.size);
    const bytes = new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    offset = end;
    return bytes;
  };
}

/** Cuts what `pull` yields into pieces of at most `size` bytes (views, not copies). */
function splitter(pull: () => Promise<Chunk | undefined>, size: number): Reader {
  let pending: Uint8Array | undefined;
  let offset = 0;
  return async () => {
    for (;;) {
      if (pending !== undefined && offset < pending.length) {
        const piece = pending.subarray(offset, offset + size);
        offset += piece.length;
        return piece;
      }
      const chunk = await pull();
      if (chunk === undefined) return undefined;
      if (typeof chunk === 'string') {
        if (chunk.length > 0) return chunk;
        continue;
      }
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError(`FileWrapper source yielded a non-byte chunk (got ${describe(chunk)})`);
      }
      pending = chunk;
      offset = 0;
    }
  };
}

/** A `FileWrapper` of this or another copy of this module. */
export function isFileWrapper(value: unknown): value is FileWrapper {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * For the gateway: the `Blob` or `ReadableStream` under `body` when `body` is a `FileWrapper` over one
 * that nothing has read from yet, so the `Response` can take it as it is; otherwise `undefined`.
 */
export function fileWrapperSource(body: unknown): Blob | ReadableStream<Uint8Array> | undefined {
  if (!isFileWrapper(body) || body.started) return undefined;
  const source = body.filelike;
  if (typeof Blob === 'function' && source instanceof Blob) return source;
  if (typeof ReadableStream === 'function' && source instanceof ReadableStream && !source.locked) return source;
  return undefined;
}

/** `environ['wsgi.file_wrapper']`: PEP 3333 calls it as a function, and JavaScript classes need `new`. */
export const fileWrapper: FileWrapperFactory = (source, blksize) => new FileWrapper(source, blksize);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return String(value);
}
