/**
 * The fault cases (test/faults/suite.ts) inside workerd: test/faults/worker.ts bundled by
 * `wrangler deploy --dry-run` and run in miniflare on a loopback port (helpers from test/cloudflare).
 * Run twice: with the `enable_request_signal` compatibility flag of test/faults/wrangler.toml, and
 * without any flag, since a user's Worker may lack it and the target must still report disconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker, startWorker, type BuiltWorker, type RunningWorker } from '../cloudflare/workerd.ts';
import { faultSuite } from './suite.ts';

let bundle: BuiltWorker;
beforeAll(async () => {
  bundle = await buildWorker('test/faults/wrangler.toml');
});

describe.each([
  { label: 'with enable_request_signal', flags: (built: BuiltWorker) => built.compatibilityFlags },
  { label: 'without compatibility flags', flags: () => [] },
])('faults: Cloudflare Workers (workerd via miniflare, bundled worker), $label', ({ label, flags }) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker({ ...bundle, compatibilityFlags: flags(bundle) });
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it(`runs the Worker ${label}`, () => {
    expect(bundle.compatibilityFlags).toEqual(['enable_request_signal']);
    expect(flags(bundle)).toEqual(label.startsWith('with ') ? ['enable_request_signal'] : []);
  });

  // The target pipes a streamed body into a native stream under ctx.waitUntil, so a client gone
  // mid-stream cancels the app's body and close() runs (src/targets/cloudflare/response.ts).
  faultSuite({ name: 'workerd', baseUrl: () => worker.url.href, disconnect: 'closes' });
});
