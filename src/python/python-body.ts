/**
 * A streamed Python body as the core pulls it: one crossing per pull, the chunks a pull gathers copied
 * out of wasm memory, from where they lie, into buffers the transport hands back once written.
 * @module
 */

import type { PyProxy } from 'pyodide/ffi';
import { releaseWhenWritten } from '../core/chunk-release.ts';
import type { Chunk } from '../core/types.ts';
import { PythonError, type Interpreter } from './interpreter.ts';
import { WasmBytes, type PythonBytes } from './wasm-bytes.ts';

/**
 * A pulled body, as the Python half's `Gateway.call` gives it: what the core would pull at once (the
 * chunks, then what the iterator raised after them), the Python body to pull the rest from, or, when the
 * iterator ended and was closed in Python, the traceback of what its close() raised.
 */
export type PulledBody = [chunks: Uint8Array[], body: PythonBody | undefined, failure: string | undefined, closeFailure: string | undefined];
interface PythonBody extends PyProxy {
  /**
   * Bytes; or, given the `capacity` of a buffer of the host's, -n for n chunks whose places and lengths
   * are in the gateway's `span_buffer`, or their length once copied into its `gather_buffer`; undefined
   * at the end; else a traceback.
   */
  next(capacity: number): Uint8Array | number | string | undefined;
  close(): string | undefined;
}

/** The size of the buffers a streamed body is gathered into: the Python half's GATHER_BYTES. */
const POOLED_BYTES = 1024 * 1024;
/**
 * How many written buffers the pool keeps: one stream needs two (one being written while the next is
 * filled). More streams at once allocate more, and those are let go once written.
 */
const KEPT_BUFFERS = 2;

/**
 * How many of its buffers one body may have out at once. The Node simple server hands each back once
 * written (two out at most); `deno serve` once a MiB more has followed it (three for a steady stream).
 * Past this, a pull takes its chunk in Pyodide's own copy, so a body whose buffers stay out (a stream
 * that stalls) holds no more than this many MiB.
 */
const LENT_PER_BODY = 4;

/** The buffers a pull hands over in wasm memory: the Python half's `Gateway.gather_buffer` and `span_buffer`. */
export interface GatheredBuffers {
  /** Made by the first pull that gathers more than the Python half's SPAN_LIMIT chunks, and never resized. */
  gather_buffer: PythonBytes | null | undefined;
  /** Made by the first pull that hands its chunks over where they lie, and never resized. */
  span_buffer: PythonBytes | null | undefined;
}

/**
 * One app's buffers for streamed bodies. A pull's chunks are copied out of wasm memory, from where they
 * lie (or, many small ones, from the gateway's `gather_buffer` they were copied into), into one of these,
 * and the transport hands it back
 * once written (`chunkWritten`: the Node simple server) or once its reader is known to have let go of it
 * (`releaseTakenChunks`: `deno serve`). A transport that hands nothing back
 * (a `ReadableStream` read by Lambda or workerd, or by a handler wrapped around the Deno target, may
 * hold a chunk past the next pull) keeps the first buffer, and from then on each pull takes one chunk in
 * Pyodide's own copy, as a new 1 MiB copy per pull would cost more than sixteen of 64 KiB.
 */
export class ChunkPool {
  readonly #free: Uint8Array[] = [];
  #allocated = 0;
  /** The transport has handed a buffer back: a new one may be allocated whenever none is free. */
  #returns = false;
  readonly #gateway: GatheredBuffers;
  #gathered: WasmBytes | undefined;
  #spans: WasmBytes | undefined;

  constructor(gateway: GatheredBuffers) {
    this.#gateway = gateway;
  }

  /**
   * `into` (a free buffer) with what a pull handed over: `got` < 0, the -`got` chunks whose addresses and
   * lengths it wrote into `span_buffer`; else the `got` bytes it copied into `gather_buffer`.
   */
  fill(into: Uint8Array, got: number): Uint8Array {
    if (got >= 0) {
      this.#gathered ??= new WasmBytes(this.#gateway.gather_buffer!);
      const filled = into.subarray(0, got);
      filled.set(this.#gathered.data().subarray(0, got));
      return filled;
    }
    this.#spans ??= new WasmBytes(this.#gateway.span_buffer!);
    const spans = this.#spans.data();
    // Wasm memory itself: the view is asked for after any growth the pull made (WasmBytes.data).
    const memory = new Uint8Array(spans.buffer);
    // (address, length) as 32-bit words, little-endian as wasm is; a bytearray's buffer is malloc's, so aligned.
    const words = new Uint32Array(spans.buffer, spans.byteOffset, -got * 2);
    let size = 0;
    for (let i = 0; i < words.length; i += 2) {
      const start = words[i]!;
      const length = words[i + 1]!;
      into.set(memory.subarray(start, start + length), size);
      size += length;
    }
    return into.subarray(0, size);
  }

  /** A free buffer; a new one for the first pull ever, or whenever the transport hands buffers back. */
  take(): Uint8Array | undefined {
    const free = this.#free.pop();
    if (free !== undefined || (this.#allocated > 0 && !this.#returns)) return free;
    this.#allocated++;
    return new Uint8Array(POOLED_BYTES);
  }

  /** Python did not use it. */
  putBack(buffer: Uint8Array): void {
    this.#free.push(buffer);
  }

  /** `written` (a view of `buffer`) comes back to the pool once the transport reports it written. */
  lend(buffer: Uint8Array, written: Uint8Array, returned: () => void): void {
    releaseWhenWritten(written, () => {
      this.#returns = true;
      if (this.#free.length < KEPT_BUFFERS) this.#free.push(buffer);
      returned();
    });
  }
}

/**
 * Python's body as the core pulls it: first the chunks Python already pulled, then the Python body, one
 * crossing per pull (when the app's `ChunkPool` has a buffer free, the chunks its body gives at once
 * are gathered, then copied into that buffer). `close()` also frees the proxy, so nothing stays alive in Pyodide.
 */
export class BodyFromPython implements Iterable<Chunk>, Iterator<Chunk> {
  readonly #pulled: Uint8Array[];
  #next = 0;
  #failure: string | undefined;
  readonly #body: PythonBody | undefined;
  readonly #closeFailure: string | undefined;
  readonly #interpreter: Interpreter;
  #closed = false;
  readonly #pool: ChunkPool;
  /** Buffers of the pool this body has out (see LENT_PER_BODY). */
  #lent = 0;

  /** Called once, by close(): the request is over. */
  readonly #over: () => void;

  constructor([pulled, body, failure, closeFailure]: PulledBody, interpreter: Interpreter, pool: ChunkPool, over: () => void) {
    this.#over = over;
    this.#pool = pool;
    this.#pulled = pulled;
    this.#body = body;
    this.#failure = failure;
    this.#closeFailure = closeFailure;
    this.#interpreter = interpreter;
  }

  [Symbol.iterator](): Iterator<Chunk> {
    return this;
  }

  next(): IteratorResult<Chunk> {
    if (this.#next < this.#pulled.length) return { done: false, value: this.#pulled[this.#next++]! };
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      throw new PythonError(failure);
    }
    if (this.#body === undefined) return { done: true, value: undefined };
    const body = this.#body;
    const pool = this.#pool;
    const into = this.#lent < LENT_PER_BODY ? pool.take() : undefined;
    let chunk;
    let written: Uint8Array | undefined;
    try {
      chunk = this.#interpreter.enter(() => {
        const got = body.next(into?.length ?? 0);
        // Copied out before anything else runs in Python, which may then reuse the gathered bytes.
        if (typeof got === 'number') written = pool.fill(into!, got);
        return got;
      });
    } finally {
      if (into !== undefined && written === undefined) pool.putBack(into);
    }
    if (chunk === undefined) return { done: true, value: undefined };
    if (typeof chunk === 'string') throw new PythonError(chunk);
    if (written === undefined) return { done: false, value: chunk as Uint8Array };
    this.#lent++;
    this.#pool.lend(into!, written, () => this.#lent--);
    return { done: false, value: written };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const body = this.#body;
    try {
      if (this.#closeFailure !== undefined) throw new PythonError(this.#closeFailure);
      if (body === undefined) return;
      const failure = this.#interpreter.broken ? undefined : this.#interpreter.enter(() => body.close(), true);
      if (failure !== undefined) throw new PythonError(failure);
    } finally {
      body?.destroy();
      // After the body's close(), which may still write to wsgi.errors as part of its request.
      this.#over();
    }
  }
}
