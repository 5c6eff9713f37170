/**
 * The Hono app every Hono server under test runs: the seed's routes plus the hello-world and the
 * streamed body (a `ReadableStream` of the same 64 KiB chunks).
 * @module
 */

import type { Hono } from 'hono';
import { seedHono } from './hono-seed.ts';
import { chunkCount, chunkStream, HELLO, OCTETS, queryOf, TEXT } from './shared.ts';

export function benchHono(): Hono {
  const app = seedHono();
  app.get('/hello', (c) => c.body(HELLO, 200, { 'Content-Type': TEXT }));
  app.get('/stream/gen', (c) => c.body(chunkStream(chunkCount(queryOf(c.req.url))), 200, { 'Content-Type': OCTETS }));
  return app;
}
