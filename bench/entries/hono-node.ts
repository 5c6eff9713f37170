/** Hono's equivalent of app/serve.ts: the seed's app on `@hono/node-server`. @module */
import { serve } from '@hono/node-server';
import { seedHono } from '../apps/hono-seed.ts';

serve({ fetch: seedHono().fetch, hostname: process.env.HOST ?? 'localhost', port: Number(process.env.PORT ?? 8000) });
