/**
 * The conformance suite inside workerd: the fixture Worker is bundled by `wrangler deploy --dry-run`
 * (what `wrangler deploy` would upload) and that bundle runs in miniflare, spoken to over HTTP.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Miniflare } from 'miniflare';
import { conformanceSuite } from '../conformance/cases.ts';
import { buildWorker, startWorker } from './workerd.ts';

describe('conformance: Cloudflare Workers (workerd via miniflare, bundled worker)', () => {
  let worker: { miniflare: Miniflare; url: URL };
  beforeAll(async () => {
    const bundle = await buildWorker('test/cloudflare/wrangler.toml');
    worker = await startWorker(bundle);
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  conformanceSuite({
    name: 'workerd',
    baseUrl: () => worker.url.href,
    // Miniflare stands in for Cloudflare's edge and sets CF-Connecting-IP to the client's address.
    remoteAddr: '127.0.0.1',
    environ: {
      'cloudflare.env': { type: 'object' },
      'cloudflare.ctx.waitUntil': { type: 'function' },
      'cloudflare.ctx.passThroughOnException': { type: 'function' },
      'cloudflare.cf.colo': { type: 'string', value: 'TST' },
      'cloudflare.env.GREETING': { type: 'string', value: 'hello from a binding' },
    },
    platform: {
      // workerd decodes header bytes as UTF-8 (U+FFFD for the lone 0xE9), not as latin-1.
      headerLatin1: 'caf\u00ef\u00bf\u00bd',
      // workerd (also run directly, without miniflare) ends an errored body with the normal chunked end.
      failedBody: 'ended',
      // workerd neither cancels nor pulls a body whose client went away, so the app is never told.
      disconnect: 'unnoticed',
    },
  });
});
