/**
 * The fault cases (test/faults/suite.ts) inside workerd: test/faults/worker.ts bundled by
 * `wrangler deploy --dry-run` and run in miniflare on a loopback port (helpers from test/cloudflare).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { buildWorker, startWorker, type RunningWorker } from '../cloudflare/workerd.ts';
import { faultSuite } from './suite.ts';

describe('faults: Cloudflare Workers (workerd via miniflare, bundled worker)', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker(await buildWorker('test/faults/wrangler.toml'));
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  // workerd neither cancels nor pulls a body whose client went away (README "Platform notes").
  faultSuite({ name: 'workerd', baseUrl: () => worker.url.href, disconnect: 'unnoticed' });
});
