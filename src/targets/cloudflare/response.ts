/**
 * The core's `Response` as workerd must get it. workerd sends a JavaScript stream body chunked and
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

/** `response`, with a body of known length sent as such; any other response as it is. */
export function withDeclaredLength(response: Response): Response {
  const declared = response.headers.get('content-length');
  const FixedLength = fixedLengthStream();
  if (response.body === null || declared === null || !/^\d+$/.test(declared) || FixedLength === undefined) {
    return response;
  }
  const { readable, writable } = new FixedLength(Number(declared));
  // The pipe carries errors through: a body that fails, or falls short, aborts the response.
  response.body.pipeTo(writable).catch(() => undefined);
  return new Response(readable, response);
}
