/** The load app as a Worker (bundled by wrangler from load/wrangler.toml, run in miniflare). */
import { handle } from '../src/targets/cloudflare/index.ts';
import { loadApp } from './app.ts';

export default handle(loadApp);
