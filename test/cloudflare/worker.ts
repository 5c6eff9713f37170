/**
 * The conformance fixture as a Worker: `conformanceApp` behind the Cloudflare target, imported by the
 * package's published name (resolved through its exports to the built `dist/`), as a user's Worker
 * would. Bundled by wrangler (test/cloudflare/wrangler.toml) and run in workerd through miniflare.
 * @module
 */

import { handle } from 'wsgi-edge/cloudflare';
import { conformanceApp } from '../conformance/apps.ts';

export default handle(conformanceApp);
