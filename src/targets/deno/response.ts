/**
 * The core's result as the `Response` Deno gets. Deno sends the length of a complete body (bytes or a
 * string) by itself, and a `Content-Length` given to the `Response` constructor costs it several
 * microseconds (more than the rest of a small response), so the header is left out there: the core
 * gives a complete body exactly the length its headers declare.
 * @module
 */

import { toResponse, type WsgiResult } from '../../core/result.ts';

export function toDenoResponse(result: WsgiResult): Response {
  const body = result.body;
  if (!(body instanceof Uint8Array) && typeof body !== 'string') return toResponse(result);
  const headers = result.headers.filter(([name]) => !(name.length === 14 && name.toLowerCase() === 'content-length'));
  return toResponse(headers.length === result.headers.length ? result : { ...result, headers });
}
