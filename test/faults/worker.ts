/** The fault fixture as a Worker (bundled by wrangler from test/faults/wrangler.toml, run in miniflare). */
import { handle } from 'wsgi-edge/cloudflare';
import { faultApp } from './apps.ts';

export default handle(faultApp);
