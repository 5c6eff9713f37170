/** Hono's equivalent of app/deno.ts: the seed's app as a `deno serve` module. @module */
import { seedHono } from '../apps/hono-seed.ts';

export default seedHono();
