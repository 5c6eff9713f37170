/**
 * What every benchmarked handler shares, so that only the gateway differs between them: the routes,
 * the 64 KiB chunk streamed over and over, and the seed's `/encode` page written out by hand for the
 * raw handlers and Hono (with the seed's own `parseQs`, `pyRepr` and `htmlEscape`, so the app's work is
 * the same everywhere and the bytes match the WSGI app's byte for byte).
 * @module
 */

import { htmlEscape, parseQs, pyRepr } from '../../app/base64-app.ts';

/** Routes served by every server under test. */
export const ROUTES = {
  encode: '/encode?mystring=hello',
  hello: '/hello',
  /** `?mib=N`: N MiB of 64 KiB chunks. */
  streamGen: '/stream/gen',
  streamFile: '/stream/file',
} as const;

export const CHUNK_BYTES = 64 * 1024;
/** One chunk, allocated once: the handlers measure moving bytes, not making them. */
export const CHUNK: Uint8Array = new Uint8Array(CHUNK_BYTES).fill(0x61);
export const HELLO = 'Hello, world!';
/** The seed's pages' type (app/base64-app.ts), so the raw handlers send the same head. */
export const HTML = 'text/html; charset=utf-8';
export const TEXT = 'text/plain';
export const OCTETS = 'application/octet-stream';

/** The number of 64 KiB chunks asked for by `mib=N` in a query string (default 1 MiB, at most 4 GiB). */
export function chunkCount(query: string): number {
  const match = /(?:^|&)mib=(\d+)/.exec(query);
  const mib = match ? Math.min(Number(match[1]), 4096) : 1;
  return (mib * 1024 * 1024) / CHUNK_BYTES;
}

/** The seed's `/encode` answer as the raw handlers write it: the page, or `undefined` for its 400. */
export function encodePage(query: string): string | undefined {
  const my = parseQs(query).get('mystring')?.[0];
  if (!my) return undefined;
  return '<html><head><title>wsgi_app.py</title></head><body>' +
    `<tt>${htmlEscape(pyRepr(my))}</tt> base64 encoded is: <tt>${htmlEscape(base64Utf8(my))}</tt>` +
    '<br><a href="/">Return to the home page</a></body>';
}

export const FRONT_PAGE = '<html><head><title>wsgi_app.py</title></head><body>' +
  'Welcome! Enter a string: <form action="encode"><input name="mystring"><input type="submit"></form></body>';

const utf8 = new TextEncoder();

function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of utf8.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The query string of a full URL (`request.url`), without parsing the rest of it. */
export function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

/** The path of a full URL (`request.url`), without parsing the rest of it. */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.indexOf('?', start);
  return url.slice(start, end === -1 ? undefined : end);
}

/** `count` chunks as a plain `ReadableStream`: the raw baseline for streaming. */
export function chunkStream(count: number): ReadableStream<Uint8Array> {
  let left = count;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left-- > 0) controller.enqueue(CHUNK);
      else controller.close();
    },
  });
}
