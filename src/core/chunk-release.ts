/**
 * Body buffers handed back to their producer once the transport has written them. A producer that
 * copies each chunk out of memory it does not own (the Python bridge, out of Pyodide's wasm memory) can
 * reuse a few buffers instead of allocating one per chunk, which on Node cost more than the copy
 * itself and let garbage pile up to tens of MiB of RSS. Reuse is only safe once the bytes are sent: a
 * transport that knows when its write of a chunk is done says so with `chunkWritten`; one that reads a
 * stream and is known to hold only a bounded number of bytes behind what it has taken says so with
 * `releaseTakenChunks` (see `TakenChunks`). A chunk no transport reports (a stream read by anyone else,
 * a body collected into one buffer) is simply left to the garbage collector, and its producer allocates
 * another.
 * @module
 */

const releases = new WeakMap<ArrayBufferLike, () => void>();

/** Has `release` called once a transport reports `chunk` (or a view of the same buffer) written. */
export function releaseWhenWritten(chunk: Uint8Array, release: () => void): void {
  releases.set(chunk.buffer, release);
}

/** The transport wrote `chunk` and holds no reference to its bytes any more. */
export function chunkWritten(chunk: Uint8Array): void {
  const release = releases.get(chunk.buffer);
  if (release === undefined) return;
  releases.delete(chunk.buffer);
  release();
}

/** A producer waits for `chunk` (or a view of its buffer) to be reported written. */
export function awaitsRelease(chunk: Uint8Array): boolean {
  return releases.has(chunk.buffer);
}

/**
 * What the reader of a body stream is known to hold. Each time it asks for another chunk, it has let go
 * of every chunk followed by at least `heldBytes` bytes of chunks it took before the latest one, as long
 * as `direct()` is true (nothing but that reader has had access to the stream). `deno serve`: see
 * src/targets/deno/stream-response.ts.
 */
export interface TakenChunks {
  heldBytes: number;
  direct(): boolean;
}

const takenChunks = new WeakMap<ReadableStream<Uint8Array>, TakenChunks>();

/** The transport that reads `stream` holds what `taken` says, and no more. */
export function releaseTakenChunks(stream: ReadableStream<Uint8Array>, taken: TakenChunks): void {
  takenChunks.set(stream, taken);
}

/**
 * The chunks of one stream lent by their producer and not yet released, with the position of each
 * one's end, so that a reader's pull can release those it no longer holds (`TakenChunks`).
 */
export class LentChunks {
  readonly #stream: ReadableStream<Uint8Array>;
  readonly #lent: Array<{ chunk: Uint8Array; end: number }> = [];
  /** Bytes enqueued so far, and up to the start of the latest chunk. */
  #enqueued = 0;
  #beforeLatest = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  /** `chunk` goes to the reader now. */
  enqueued(chunk: Uint8Array): void {
    this.#beforeLatest = this.#enqueued;
    this.#enqueued += chunk.length;
    if (awaitsRelease(chunk)) this.#lent.push({ chunk, end: this.#enqueued });
  }

  /** The reader asks for another chunk: release what it can no longer hold. */
  pulled(): void {
    if (this.#lent.length === 0) return;
    const taken = takenChunks.get(this.#stream);
    if (taken === undefined || !taken.direct()) return;
    while (this.#lent.length > 0 && this.#beforeLatest - this.#lent[0]!.end >= taken.heldBytes) {
      chunkWritten(this.#lent.shift()!.chunk);
    }
  }
}
