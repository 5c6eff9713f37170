import { toResponse, type WsgiResult } from '../../core/result.ts';

/**
 * The core's result as the `Response` workerd must get. workerd sends a JavaScript stream body chunked and
 * drops the `Content-Length` header that came with it; only its own `FixedLengthStream` sends a
 * streamed body with a length. A response whose app declared `Content-Length` is piped through one, so
 * the client still gets the length (and can tell a body cut short from a complete one).
 * @module
 */

/** workerd's `FixedLengthStream`: an identity transform that must carry exactly `length` bytes. */
type FixedLengthStreamConstructor = new (length: number | bigint) => TransformStream<Uint8Array, Uint8Array>;

function fixedLengthStream(): FixedLengthStreamConstructor | undefined {
  const candidate = (globalThis as { FixedLengthStream?: unknown }).FixedLengthStream;
  return typeof candidate === 'function' ? (candidate as FixedLengthStreamConstructor) : undefined;
}

/**
 * The result as a `Response`, a streamed body of declared length sent as such. Complete bodies are
 * bytes, whose length workerd knows without help.
 */
export function toWorkerResponse(result: WsgiResult): Response {
  const body = result.body;
  const FixedLength = body instanceof ReadableStream ? fixedLengthStream() : undefined;
  const declared = result.headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  if (!(body instanceof ReadableStream) || FixedLength === undefined || declared === undefined || !/^\d+$/.test(declared)) {
    return toResponse(result);
  }
  const { readable, writable } = new FixedLength(Number(declared));
  // The pipe carries errors through: a body that fails, or falls short, aborts the response.
  body.pipeTo(writable).catch(() => undefined);
  return toResponse({ ...result, body: readable });
}
