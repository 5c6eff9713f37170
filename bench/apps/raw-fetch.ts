/**
 * The raw baseline on Fetch runtimes (Deno, workerd): a hand-written `fetch(request)` handler answering
 * the same routes with the same bytes and headers as the WSGI app, with no gateway in between.
 * @module
 */

import { chunkCount, chunkStream, encodePage, HELLO, HTML, OCTETS, pathOf, queryOf, TEXT } from './shared.ts';

export function rawFetch(request: Request): Response {
  const url = request.url;
  switch (pathOf(url)) {
    case '/hello':
      return new Response(HELLO, { headers: { 'Content-Type': TEXT } });
    case '/encode': {
      const page = encodePage(queryOf(url));
      if (page === undefined) return new Response('Error: this form requires a "mystring" parameter', { status: 400, headers: { 'Content-Type': TEXT } });
      return new Response(page, { headers: { 'Content-Type': HTML } });
    }
    case '/stream/gen':
      return new Response(chunkStream(chunkCount(queryOf(url))), { headers: { 'Content-Type': OCTETS } });
    default:
      return new Response('That URL is not valid', { status: 404, headers: { 'Content-Type': TEXT } });
  }
}
