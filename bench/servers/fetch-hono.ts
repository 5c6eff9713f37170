/**
 * Hono as a module for `deno serve` and for workerd: the Hono app is itself `{ fetch }`.
 * @module
 */

import { benchHono } from '../apps/hono-bench.ts';

export default benchHono();
