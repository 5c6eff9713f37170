/** Hono's equivalent of app/cloudflare.ts: the seed's app as a Worker module. @module */
import { seedHono } from '../apps/hono-seed.ts';

export default seedHono();
