/**
 * A streamed body's buffers reused under `deno serve`, on what Deno 2.9's source shows of how it reads a
 * `Response` whose body is a `ReadableStream` (bench/PROFILE.md, "Python: streaming"): one read at a
 * time, with a default reader, each chunk handed whole (no copy) to a channel that takes a chunk only
 * while it holds under 64 KiB, from which the connection takes 64 KiB at a time and writes each piece
 * before it takes the next (HTTP/1.1), or passes it to hyper's HTTP/2 stream, which buffers at most
 * 400 KiB more. So by the time Deno asks for another chunk, it holds no chunk that is followed by
 * `DENO_HELD_BYTES` of chunks it took before the latest one.
 *
 * That holds only while Deno's server is the stream's only reader: a handler that wraps this target's
 * `fetch` may read, tee or copy the body first, and keep chunks. The `Response` is therefore a subclass
 * that notes any access to its body from JavaScript (Deno's server reads it internally, through none of
 * these), and after one the buffers are left to the garbage collector, as on any other transport.
 * @module
 */

import { releaseTakenChunks } from '../../core/chunk-release.ts';

/**
 * Deno's channel limit and one piece in the writer (64 KiB each), hyper's HTTP/2 send buffer (400 KiB)
 * and the frame it is writing, with room to spare: a pooled buffer is 1 MiB, so this costs no buffer
 * more than the HTTP/1.1 bound alone would.
 */
export const DENO_HELD_BYTES = 1024 * 1024;

/**
 * The rule is Deno 2's: read in its source for 2.9.5 and its main branch of December 2026, and tested
 * with the `deno` this package's tests install. Under another major version, or another runtime calling
 * this target's `fetch`, a streamed body's buffers are left to the garbage collector as before, since
 * reusing one the reader still holds would send wrong bytes.
 */
export const READS_AS_DENO_2 = /^2\./.test((globalThis as { Deno?: { version?: { deno?: string } } }).Deno?.version?.deno ?? '');

/** The members of `Response` that do not touch the body. */
const BODY_FREE = new Set(['constructor', 'type', 'url', 'redirected', 'status', 'ok', 'statusText', 'headers', 'bodyUsed']);

const readElsewhere = new WeakSet<Response>();

/** A `Response` that notes when its body is read, copied or cloned from JavaScript. */
export class DenoStreamResponse extends Response {
  constructor(body: ReadableStream<Uint8Array>, init: ResponseInit) {
    super(body, init);
    releaseTakenChunks(body, { heldBytes: DENO_HELD_BYTES, direct: () => !readElsewhere.has(this) });
  }
}

// Every other member of Response, as Deno has it, marks the response: `body`, `clone()`, `text()`,
// Deno's own `textStream()`, and any that a later Deno adds.
for (let proto: object | null = Response.prototype; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (BODY_FREE.has(name) || Object.hasOwn(DenoStreamResponse.prototype, name)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
    if (typeof descriptor.get === 'function') {
      const get = descriptor.get;
      Object.defineProperty(DenoStreamResponse.prototype, name, {
        ...descriptor,
        get(this: Response) {
          readElsewhere.add(this);
          return get.call(this);
        },
      });
    } else if (typeof descriptor.value === 'function') {
      const method = descriptor.value as (...args: unknown[]) => unknown;
      Object.defineProperty(DenoStreamResponse.prototype, name, {
        ...descriptor,
        value(this: Response, ...args: unknown[]) {
          readElsewhere.add(this);
          return method.apply(this, args);
        },
      });
    }
  }
}
