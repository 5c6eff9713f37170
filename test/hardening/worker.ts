/** The generated-app fixture as a Worker (bundled by wrangler from test/hardening/wrangler.toml, run in miniflare). */
import { handle } from 'wsgi-edge/cloudflare';
import { recordError, scriptFixture } from './script-fixture.ts';

export default handle(scriptFixture, { errors: recordError });
