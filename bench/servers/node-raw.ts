/**
 * The raw baseline on Node: a hand-written `node:http` handler answering the bench routes with the same
 * bytes and headers as the WSGI app; streams are written chunk by chunk with backpressure.
 * Env: BENCH_PORT.
 * @module
 */

import { createServer, type ServerResponse } from 'node:http';
import { CHUNK, chunkCount, encodePage, HELLO, HTML, OCTETS, TEXT } from '../apps/shared.ts';

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const query = at === -1 ? '' : url.slice(at + 1);
  switch (path) {
    case '/hello':
      send(res, 200, TEXT, HELLO);
      return;
    case '/encode': {
      const page = encodePage(query);
      if (page === undefined) send(res, 400, TEXT, 'Error: this form requires a "mystring" parameter');
      else send(res, 200, HTML, page);
      return;
    }
    case '/stream/gen':
      res.writeHead(200, { 'Content-Type': OCTETS });
      void stream(res, chunkCount(query));
      return;
    default:
      send(res, 404, TEXT, 'That URL is not valid');
  }
});

function send(res: ServerResponse, status: number, type: string, text: string): void {
  const body = Buffer.from(text);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length }).end(body);
}

async function stream(res: ServerResponse, count: number): Promise<void> {
  for (let i = 0; i < count && !res.destroyed; i++) {
    if (!res.write(CHUNK)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
