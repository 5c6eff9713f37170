/**
 * Hono on Node through `@hono/node-server`: the bench routes; `/stream/gen` is a plain `ReadableStream`
 * of the same chunks, which makes this also the "raw ReadableStream on Node" line of the streaming table.
 * Env: BENCH_PORT.
 * @module
 */

import { serve } from '@hono/node-server';
import { benchHono } from '../apps/hono-bench.ts';

const server = serve({ fetch: benchHono().fetch, hostname: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
