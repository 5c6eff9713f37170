/**
 * The seed's app as a Cloudflare Worker: the `main` of wrangler.toml (`npm run start:cloudflare`,
 * `wrangler deploy`).
 * @module
 */

import { handle } from '../src/targets/cloudflare/index.ts';
import { base64App } from './base64-app.ts';

export default handle(base64App);
