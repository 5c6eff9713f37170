/**
 * What the gateway answers, before it becomes a platform response: status, headers and a body that is
 * complete bytes, a stream pulled as the client reads, a Blob handed over as is, or nothing. Fetch targets
 * turn it into a `Response` (`toResponse`); a transport such as Node's `http` writes it directly.
 * @module
 */

import { logError } from './error-stream.ts';
import { CLIENT_ERROR_BODY, describeError, SERVER_ERROR_BODY, WsgiError } from './errors.ts';
import type { Exchange } from './exchange.ts';
import { chunkToBytes } from './native-string.ts';
import type { Environ, ErrorStream, HeaderPair } from './types.ts';

export interface WsgiResult {
  status: number;
  statusText: string;
  headers: HeaderPair[];
  /**
   * `null` for no body; a string is sent as UTF-8 (its length is already in the headers); a stream is
   * pulled only as it is read, and cancelling it runs the app's `close()`.
   */
  body: Uint8Array | string | ReadableStream<Uint8Array> | Blob | null;
}

const utf8 = new TextEncoder();

export function plainResult(status: number, text: string): WsgiResult {
  const body = utf8.encode(text);
  return {
    status,
    statusText: '',
    headers: [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.length)]],
    body,
  };
}

/** The app's status and headers with `body`; `extraHeaders` are added after the app's own. */
export function appResult(exchange: Exchange, body: WsgiResult['body'], extraHeaders?: HeaderPair[]): WsgiResult {
  const status = exchange.requireStatus();
  return {
    status: status.code,
    statusText: status.reason,
    headers: extraHeaders ? [...exchange.headers, ...extraHeaders] : exchange.headers,
    body,
  };
}

/** Logs `error` with its stack and answers with a fixed body: 500, or the 413/400 an input error carries. */
export function errorResult(environ: Environ, errors: ErrorStream, error: unknown): WsgiResult {
  logError(errors, `Error in WSGI app for ${environ.REQUEST_METHOD} ${environ.RAW_URI}:\n${describeError(error)}`);
  const status = WsgiError.is(error) ? error.status : 500;
  return plainResult(status, CLIENT_ERROR_BODY[status] ?? SERVER_ERROR_BODY);
}

/**
 * The app failed. Before headers were sent the client gets a short fixed body (500, or the 413/400 an
 * input error carries); after, the stream is aborted once the queued chunks are out. Either way the
 * stack goes to `wsgi.errors`, never to the client.
 */
export function failedResult(exchange: Exchange, environ: Environ, errors: ErrorStream, error: unknown): WsgiResult {
  exchange.ended = true;
  if (!exchange.headersSent || exchange.status === undefined) return errorResult(environ, errors, error);
  logError(errors, `Error in WSGI app for ${environ.REQUEST_METHOD} ${environ.RAW_URI}:\n${describeError(error)}`);
  const queued = exchange.queued.splice(0);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = queued.shift();
      if (chunk !== undefined) controller.enqueue(chunkToBytes(chunk));
      else controller.error(error);
    },
  }, { highWaterMark: 0 });
  return appResult(exchange, stream);
}

export interface ResponseOptions {
  /**
   * The runtime sends the length of a complete body (bytes or a string) by itself, and a
   * `Content-Length` given to the `Response` constructor costs it more than the rest of a small
   * response (Deno: several microseconds): leave the header out there. The core gives a complete body
   * exactly the length its headers declare, so nothing changes on the wire.
   */
  platformCountsLength?: boolean;
  /**
   * The runtime writes the reason phrase of a status itself, whatever `statusText` says (Deno: HTTP/1.1
   * gets the canonical one, HTTP/2 has none): the `Response` is made without one. Deno answers a 200 with
   * a string or bytes and one plain-text or JSON Content-Type in a single call into its runtime only when
   * `statusText` is empty (bench/PROFILE.md).
   */
  platformWritesReason?: boolean;
  /** Builds the `Response` of a streamed body instead of `new Response` (the Deno target's notes who reads it). */
  streamResponse?: (body: ReadableStream<Uint8Array>, init: ResponseInit) => Response;
}

/** The result as a Fetch `Response`. */
export function toResponse(result: WsgiResult, options: ResponseOptions = {}): Response {
  let body = result.body;
  const complete = body instanceof Uint8Array || typeof body === 'string';
  const dropLength = complete && options.platformCountsLength === true;
  // One pass over the headers. They go as a record when no name repeats exactly (the same headers once
  // `Headers` appends them): workerd converts a record in less time than a list of pairs (2.5 µs less a
  // response). Content-Length is left out where the runtime counts it; a Content-Type is noted.
  let pairs: HeaderPair[] | undefined;
  let record: Record<string, string> | undefined = {};
  let typed = false;
  for (const pair of result.headers) {
    const name = pair[0];
    if (dropLength && isNamed(name, 'content-length')) {
      pairs ??= result.headers.filter(([other]) => !isNamed(other, 'content-length'));
      continue;
    }
    if (!typed && isNamed(name, 'content-type')) typed = true;
    if (record !== undefined) {
      if (name === '__proto__' || Object.hasOwn(record, name)) record = undefined;
      else record[name] = pair[1];
    }
  }
  // Fetch gives a string body a Content-Type of its own (text/plain) when the app set none: send bytes then.
  if (typeof body === 'string' && !typed) body = chunkToBytes(body);
  const headers: HeadersInit = record ?? pairs ?? result.headers;
  const init: ResponseInit = options.platformWritesReason === true
    ? { status: result.status, headers }
    : { status: result.status, statusText: result.statusText, headers };
  if (options.streamResponse !== undefined && body instanceof ReadableStream) return options.streamResponse(body, init);
  return new Response(body as BodyInit | null, init);
}

/** `name` is `lowerName` in any case. */
function isNamed(name: string, lowerName: string): boolean {
  return name.length === lowerName.length && name.toLowerCase() === lowerName;
}
