/**
 * Generated apps through the Cloudflare target inside workerd (test/hardening/worker.ts bundled by
 * `wrangler deploy --dry-run`, run in miniflare), over real loopback HTTP: the property of
 * wire-property.ts, the raw response bytes judged. `wsgi.errors` goes to the fixture's recorder.
 * Replay a printed failure with FC_SEED / FC_PATH (app-script-arbitraries.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildWorker, startWorker, type RunningWorker } from '../cloudflare/workerd.ts';
import { httpTarget } from './wire-http.ts';
import { assertWireProperty } from './wire-property.ts';

describe('generated apps over the wire: Cloudflare Workers (workerd via miniflare, bundled worker)', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker(await buildWorker('test/hardening/wrangler.toml'));
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('keeps every gateway invariant on the wire (fast-check; the seed is printed on failure)', async () => {
    // workerd ends an errored body with the normal chunked end (test/cloudflare/conformance.test.ts).
    await assertWireProperty(httpTarget('workerd', () => worker.url.href, { failedBody: 'ended', numRuns: 200 }));
  }, 60_000);
});
