/**
 * The raw baseline as a module for `deno serve` and for workerd: `export default { fetch }`.
 * @module
 */

import { rawFetch } from '../apps/raw-fetch.ts';

export default { fetch: rawFetch };
