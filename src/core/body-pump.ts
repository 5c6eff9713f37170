/**
 * Drives an app's body iterable (the role of wsgiref `BaseHandler.finish_response`): first until status
 * and headers are fixed, then one chunk each time the client reads, holding the body to the app's
 * Content-Length and calling `close()` exactly once however the request ends.
 * @module
 */

import { LentChunks } from './chunk-release.ts';
import { describeError, WsgiError } from './errors.ts';
import { logError } from './error-stream.ts';
import { checkChunk, isChunk, type Exchange } from './exchange.ts';
import { fileWrapperSource } from './file-wrapper.ts';
import { chunkToBytes, joinChunks, utf8Length } from './native-string.ts';
import { isNullBody, quote } from './protocol.ts';
import { isPromiseLike } from './promise.ts';
import { appResult, errorResult, failedResult, type WsgiResult } from './result.ts';
import type { Chunk, Environ, ErrorStream, GatewayOptions, ResponseBody } from './types.ts';

/** What the pump takes from the gateway's options. */
export type PumpOptions = Pick<GatewayOptions, 'bufferBodyUpTo' | 'platformCountsLength'>;

/**
 * How much of a synchronous iterable is pulled at once before the response is sent. A sync iterator
 * waits on nothing, so it cannot hold a chunk back for a reason the client would notice; pulling a small
 * page on the spot sends it as bytes with a Content-Length rather than through a stream (the stream was
 * most of the gateway's cost on such a page). Past this size the rest is pulled as the client reads, so
 * an endless generator is still held back by a slow client. An app that wants each chunk sent as soon as
 * it exists returns an async iterable.
 */
export const SYNC_PULL_BYTES = 64 * 1024;

/** Drives the body iterable: first until headers are fixed, then one chunk per read of the client. */
export class BodyPump {
  readonly #exchange: Exchange;
  readonly #environ: Environ;
  /** The request's method (HEAD is answered without a body). */
  readonly #method: string;
  readonly #errors: ErrorStream;
  readonly #body: ResponseBody;
  #iterator: Iterator<Chunk> | AsyncIterator<Chunk> | undefined;
  #closed = false;
  #cancelled = false;
  #exhausted = false;
  /** The body iterates synchronously: nothing it gives is awaited, and a short one is pulled on the spot. */
  #sync = false;
  #sent = 0;
  /** Fixed with the status: no body for HEAD, 204, 205, 304. Set once headers are sent, the status can no longer change. */
  #nullBody = false;
  readonly #bufferUpTo: number;
  readonly #platformCountsLength: boolean;

  constructor(exchange: Exchange, environ: Environ, method: string, errors: ErrorStream, body: ResponseBody, options: PumpOptions) {
    this.#bufferUpTo = options.bufferBodyUpTo ?? 0;
    this.#platformCountsLength = options.platformCountsLength === true;
    this.#exchange = exchange;
    this.#environ = environ;
    this.#method = method;
    this.#errors = errors;
    this.#body = body;
  }

  /**
   * The result once status and headers are fixed. It is the result itself, not a promise, when nothing
   * had to be waited for: a list, or a sync iterable that ends within `SYNC_PULL_BYTES` (or is streamed
   * from there), with a `close()` that returns nothing to wait for.
   */
  respond(): WsgiResult | Promise<WsgiResult> {
    if (fileWrapperSource(this.#body) !== undefined) {
      return this.#passThrough().then((direct) => direct ?? this.#respondFromIterator());
    }
    return this.#respondFromIterator();
  }

  #respondFromIterator(): WsgiResult | Promise<WsgiResult> {
    const exchange = this.#exchange;
    let pending: Promise<void> | undefined;
    try {
      if (Array.isArray(this.#body) && !exchange.headersSent) {
        // An array is already complete: no need to pull it chunk by chunk through a stream.
        for (const chunk of this.#body as Chunk[]) {
          checkChunk(chunk);
          if (chunk.length > 0) exchange.queued.push(chunk);
        }
        exchange.ended = true;
        this.#exhausted = true;
      } else {
        this.#iterator = iteratorOf(this.#body);
        this.#sync = isSyncIterator(this.#body);
        pending = this.#pullHead();
      }
    } catch (error) {
      return this.#fail(error);
    }
    return pending ? pending.then(() => this.#respondWithHead(), (error: unknown) => this.#fail(error)) : this.#respondWithHead();
  }

  /** Pulls until the first non-empty chunk or the end; a promise only when the iterator gives one. */
  #pullHead(): Promise<void> | undefined {
    const exchange = this.#exchange;
    while (!exchange.headersSent && !exchange.ended) {
      const next = this.#iterator!.next();
      if (!this.#sync && isPromiseLike(next)) {
        return Promise.resolve(next).then((result) => {
          this.#takeHead(result);
          return this.#pullHead();
        });
      }
      this.#takeHead(next as IteratorResult<unknown>);
    }
    return undefined;
  }

  #takeHead(result: IteratorResult<unknown>): void {
    const exchange = this.#exchange;
    if (result.done) {
      exchange.ended = true;
      this.#exhausted = true;
      return;
    }
    const chunk = result.value;
    checkChunk(chunk);
    if (chunk.length > 0) {
      exchange.requireStatus();
      exchange.queued.push(chunk);
      exchange.headersSent = true;
    }
  }

  /** Status and headers are fixed: the rest of the body is pulled now, read ahead, or left to the stream. */
  #respondWithHead(): WsgiResult | Promise<WsgiResult> {
    const exchange = this.#exchange;
    let pending: Promise<void> | undefined;
    try {
      exchange.requireStatus();
      exchange.headersSent = true;
      // Read once: the status and the request method fix it.
      const nullBody = this.#isNullBody();
      this.#nullBody = nullBody;
      if (!exchange.ended && this.#sync && !nullBody) this.#pullSync();
      if (this.#bufferUpTo > 0 && !nullBody) pending = this.#readAhead();
    } catch (error) {
      return this.#fail(error);
    }
    return pending ? pending.then(() => this.#result(), (error: unknown) => this.#fail(error)) : this.#result();
  }

  #result(): WsgiResult | Promise<WsgiResult> {
    const exchange = this.#exchange;
    if (this.#nullBody) return this.#afterClose(() => appResult(exchange, null));
    if (exchange.ended) {
      // The common case of a small page: no closure for #afterClose.
      const closing = this.#close();
      return closing ? closing.then(() => this.#bufferedResult()) : this.#bufferedResult();
    }
    return appResult(exchange, this.#stream());
  }

  #fail(error: unknown): WsgiResult | Promise<WsgiResult> {
    return this.#afterClose(() => failedResult(this.#exchange, this.#environ, this.#errors, error));
  }

  /** `then()` once `close()` has run: at once when it returned nothing to wait for. */
  #afterClose<T>(then: () => T): T | Promise<T> {
    const closing = this.#close();
    return closing ? closing.then(then) : then();
  }

  /**
   * PEP 3333 "Optional Platform-Specific File Handling": an untouched `FileWrapper` over a `Blob` or a
   * `ReadableStream`, returned after `startResponse` and no `write()`, goes to the `Response` as it is,
   * so the platform streams the file itself. `undefined` when the usual path must run instead: a Blob
   * whose size differs from the app's Content-Length (that path trims or refuses it), or a stream with
   * a Content-Length or a `close()` of its own (only that path counts bytes and sees the end).
   */
  async #passThrough(): Promise<WsgiResult | undefined> {
    const source = fileWrapperSource(this.#body);
    const exchange = this.#exchange;
    if (source === undefined || exchange.status === undefined || exchange.headersSent) return undefined;
    const declared = exchange.contentLength;
    const isBlob = source instanceof Blob;
    if (this.#isNullBody()) {
      if (!isBlob) await source.cancel().catch(() => undefined);
      exchange.headersSent = true;
      await this.#close();
      return appResult(exchange, null);
    }
    if (isBlob) {
      if (declared !== undefined && declared !== source.size) return undefined;
      exchange.headersSent = true;
      await this.#close();
      // A typed Blob would set the Content-Type the app left out; slice() is an untyped view of it.
      const untyped = source.type ? source.slice(0, source.size) : source;
      return appResult(exchange, untyped, declared === undefined ? [['Content-Length', String(source.size)]] : undefined);
    }
    if (declared !== undefined || typeof this.#body.close === 'function') return undefined;
    exchange.headersSent = true;
    exchange.ended = true;
    this.#closed = true;
    return appResult(exchange, source);
  }

  /** Pulls a synchronous iterable on the spot while the body stays under `SYNC_PULL_BYTES`. */
  #pullSync(): void {
    const exchange = this.#exchange;
    const iterator = this.#iterator as Iterator<Chunk>;
    // Past the app's Content-Length nothing more can be sent: stop at the chunk that crosses it.
    const limit = Math.min(SYNC_PULL_BYTES, exchange.contentLength === undefined ? Infinity : exchange.contentLength + 1);
    let size = this.#queuedSize();
    while (size < limit) {
      const taken = this.#take(iterator.next());
      if (taken < 0) return;
      size += taken;
    }
    // Over the app's Content-Length: the body is as complete as it can be sent.
    if (exchange.contentLength !== undefined && size > exchange.contentLength) exchange.ended = true;
  }

  /**
   * For a transport that delivers a response only once it is complete (Lambda BUFFERED), reading the
   * body ahead of the client withholds nothing: pull it up to `bufferUpTo` bytes, so a body that ends by
   * then goes out as bytes rather than a stream.
   */
  async #readAhead(): Promise<void> {
    let size = this.#queuedSize();
    while (!this.#exchange.ended && size <= this.#bufferUpTo) {
      const taken = this.#take(await this.#iterator!.next());
      if (taken < 0) return;
      size += taken;
    }
  }

  /**
   * Queues what the iterator gave and returns its size (code units for a string: a lower bound of its
   * bytes, enough for the limits above), or -1 once the iterator is exhausted.
   */
  #take(result: IteratorResult<unknown>): number {
    if (result.done) {
      this.#exchange.ended = true;
      this.#exhausted = true;
      return -1;
    }
    const chunk = result.value;
    checkChunk(chunk);
    if (chunk.length > 0) this.#exchange.queued.push(chunk);
    return chunk.length;
  }

  #queuedSize(): number {
    let size = 0;
    for (const chunk of this.#exchange.queued) size += chunk.length;
    return size;
  }

  #isNullBody(): boolean {
    return isNullBody(this.#method, this.#exchange.status!.code);
  }

  /**
   * The whole body is known (and `close()` has run): send it with its length, held to the app's
   * Content-Length. Where the platform counts the length of a complete body, none is counted here.
   */
  #bufferedResult(): WsgiResult {
    const exchange = this.#exchange;
    const queued = exchange.queued;
    let body = joinChunks(queued);
    queued.length = 0;
    const declared = exchange.contentLength;
    if (declared === undefined) return withLength(exchange, body, this.#platformCountsLength);
    const length = typeof body === 'string' ? utf8Length(body) : body.length;
    if (length < declared) {
      return errorResult(this.#environ, this.#errors, new WsgiError(
        'content-length-short',
        `The app declared Content-Length ${declared} but its body has ${length} bytes`,
      ));
    }
    if (length > declared) {
      this.#log(`Response body exceeds the declared Content-Length (${declared}); ${length - declared} bytes dropped`);
      body = chunkToBytes(body).subarray(0, declared);
    }
    return appResult(exchange, body);
  }

  /** Pulls the iterable only when the client reads (highWaterMark 0), so a slow client holds it back. */
  #stream(): ReadableStream<Uint8Array> {
    const exchange = this.#exchange;
    const iterator = this.#iterator!;
    const stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        lent.pulled();
        try {
          for (;;) {
            const queued = exchange.queued.shift();
            if (queued !== undefined) {
              if (this.#enqueue(controller, chunkToBytes(queued), lent)) return;
              await this.#close();
              controller.close();
              return;
            }
            if (this.#exhausted) {
              await this.#close();
              this.#finish(controller);
              return;
            }
            const result = await iterator.next();
            if (this.#cancelled) return;
            if (result.done) {
              // Chunks an app wrote from inside its iterable (PEP 3333 forbids it) still go out first.
              this.#exhausted = true;
              continue;
            }
            const chunk = result.value;
            checkChunk(chunk);
            if (chunk.length > 0) exchange.queued.push(chunk);
          }
        } catch (error) {
          if (this.#cancelled) return;
          exchange.ended = true;
          this.#log(`Error in WSGI app after headers were sent, response aborted (${this.#environ.REQUEST_METHOD} ${this.#environ.RAW_URI}):\n${describeError(error)}`);
          await this.#close();
          controller.error(error);
        }
      },
      cancel: () => {
        // The client went away. A chunk may still be in production: the iterator's return() waits for
        // it, so the transport is not held up by that wait.
        this.#cancelled = true;
        exchange.ended = true;
        void this.#close();
      },
    }, { highWaterMark: 0 });
    // Chunks whose producer waits to reuse their buffer, released as the reader's pulls allow.
    const lent = new LentChunks(stream);
    return stream;
  }

  /** Enqueues within the app's Content-Length; `false` once it is reached and the rest is dropped. */
  #enqueue(controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array, lent: LentChunks): boolean {
    const declared = this.#exchange.contentLength;
    if (declared !== undefined && this.#sent + bytes.length > declared) {
      this.#log(`Response body exceeds the declared Content-Length (${declared}); the excess was dropped`);
      const room = declared - this.#sent;
      if (room > 0) {
        const rest = bytes.subarray(0, room);
        controller.enqueue(rest);
        lent.enqueued(rest);
      }
      this.#sent = declared;
      this.#exchange.ended = true;
      return false;
    }
    this.#sent += bytes.length;
    controller.enqueue(bytes);
    lent.enqueued(bytes);
    return true;
  }

  #finish(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const declared = this.#exchange.contentLength;
    if (declared !== undefined && this.#sent < declared) {
      const message = `The app declared Content-Length ${declared} but sent ${this.#sent} bytes; response aborted`;
      this.#log(message);
      controller.error(new WsgiError('content-length-short', message));
      return;
    }
    controller.close();
  }

  /**
   * Runs exactly once, however the request ends: the iterator is returned early when it was not
   * exhausted (a generator's `finally` runs), then the body's own `close()` (PEP 3333 A10). A promise
   * only when one of them gave one to wait for.
   */
  #close(): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    this.#exchange.ended = true;
    let stopping: unknown;
    try {
      if (this.#iterator && !this.#exhausted) stopping = this.#iterator.return?.();
    } catch (error) {
      this.#logStopError(error);
    }
    if (isPromiseLike(stopping)) {
      return Promise.resolve(stopping).then(() => this.#closeBody(), (error: unknown) => {
        this.#logStopError(error);
        return this.#closeBody();
      });
    }
    return this.#closeBody();
  }

  #closeBody(): Promise<void> | undefined {
    try {
      if (typeof this.#body.close !== 'function') return undefined;
      const closing: unknown = this.#body.close();
      if (isPromiseLike(closing)) return Promise.resolve(closing).then(() => undefined, (error: unknown) => this.#logCloseError(error));
    } catch (error) {
      this.#logCloseError(error);
    }
    return undefined;
  }

  #logStopError(error: unknown): void {
    this.#log(`Error while stopping the body iterator:\n${describeError(error)}`);
  }

  #logCloseError(error: unknown): void {
    this.#log(`Error in the body's close():\n${describeError(error)}`);
  }

  #log(message: string): void {
    logError(this.#errors, message);
  }
}

/**
 * The result of the commonest body, a list that is complete when the app returns it, without a pump:
 * when the app called `startResponse`, wrote nothing, declared no Content-Length and gave the list no
 * `close()`, and every chunk is bytes or a string. `undefined` otherwise: the pump takes the body, and
 * with it every error and limit.
 */
export function listResult(exchange: Exchange, method: string, body: ResponseBody, options: PumpOptions): WsgiResult | undefined {
  const status = exchange.status;
  if (!Array.isArray(body) || status === undefined || exchange.headersSent || exchange.contentLength !== undefined) return undefined;
  if (typeof (body as { close?: unknown }).close === 'function') return undefined;
  for (const chunk of body as unknown[]) {
    if (!isChunk(chunk)) return undefined;
  }
  exchange.headersSent = true;
  exchange.ended = true;
  if (isNullBody(method, status.code)) return appResult(exchange, null);
  return withLength(exchange, joinChunks(body as Chunk[]), options.platformCountsLength === true);
}

/** A complete body with its length, unless the platform counts it. */
function withLength(exchange: Exchange, body: Uint8Array | string, platformCountsLength: boolean): WsgiResult {
  if (platformCountsLength) return appResult(exchange, body);
  return appResult(exchange, body, [['Content-Length', String(typeof body === 'string' ? utf8Length(body) : body.length)]]);
}

/** `true` when the body iterates synchronously (no `Symbol.asyncIterator`, which takes precedence). */
function isSyncIterator(body: ResponseBody): boolean {
  return typeof (body as Partial<AsyncIterable<Chunk>>)[Symbol.asyncIterator] !== 'function';
}

function iteratorOf(body: ResponseBody): Iterator<Chunk> | AsyncIterator<Chunk> {
  if ((body !== null && typeof body === 'object') || typeof body === 'function') {
    const asyncIterate = (body as AsyncIterable<Chunk>)[Symbol.asyncIterator];
    if (typeof asyncIterate === 'function') return asyncIterate.call(body);
    const iterate = (body as Iterable<Chunk>)[Symbol.iterator];
    if (typeof iterate === 'function') return iterate.call(body);
  }
  throw new WsgiError('bad-body', `The app must return an iterable of chunks (got ${quote(body)})`);
}
