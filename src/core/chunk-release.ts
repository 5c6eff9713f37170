/**
 * Body buffers handed back to their producer once the transport has written them. A producer that
 * copies each chunk out of memory it does not own (the Python bridge, out of Pyodide's wasm memory) can
 * reuse a few buffers instead of allocating one per chunk, which on Node cost more than the copy
 * itself and let garbage pile up to tens of MiB of RSS. Reuse is only safe once the bytes are sent: a
 * transport that knows when its write of a chunk is done says so with `chunkWritten`; a chunk no
 * transport reports (a stream read by `Response`, a body collected into one buffer) is simply left to
 * the garbage collector, and its producer allocates another.
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
