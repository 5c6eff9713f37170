/**
 * The core's result as the `Response` Deno gets. Deno sends the length of a bytes body by itself, and a
 * `Content-Length` given to the `Response` constructor costs it several microseconds (more than the rest
 * of a small response), so the header is left out where the body already says it.
 * @module
 */

import { toResponse, type WsgiResult } from '../../core/result.ts';

export function toDenoResponse(result: WsgiResult): Response {
  const body = result.body;
  if (!(body instanceof Uint8Array)) return toResponse(result);
  const length = String(body.length);
  const headers = result.headers.filter(([name, value]) => !(name.length === 14 && value === length && name.toLowerCase() === 'content-length'));
  return toResponse(headers.length === result.headers.length ? result : { ...result, headers });
}
