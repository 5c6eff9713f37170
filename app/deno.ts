/**
 * The seed's app for `deno serve` (`npm run start:deno`). Deno runs this file and the library's `.ts`
 * sources as they are, with no build step; a Deno project that installs the package imports
 * `wsgi-edge/deno` instead, which resolves to the built `dist/` through the package's exports.
 * @module
 */

import { handle } from '../src/targets/deno/index.ts';
import { base64App } from './base64-app.ts';

export default handle(base64App);
