/**
 * The conformance suite inside workerd: the fixture Worker is bundled by `wrangler deploy --dry-run`
 * (what `wrangler deploy` would upload) and that bundle runs in miniflare, spoken to over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { rawExchange } from '../hardening/raw-http.ts';
import { requestBytes, RUNTIME_REQUEST_FACTS } from '../conformance/request-cases.ts';
import { buildWorker, startWorker, workerdWire, type RunningWorker } from './workerd.ts';

describe('conformance: Cloudflare Workers (workerd via miniflare, bundled worker)', () => {
  let worker: RunningWorker;
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
      // workerd alone would never tell the app; the target's pipe through a native stream does.
      disconnect: 'closes',
      request: RUNTIME_REQUEST_FACTS.workerd,
    },
    // The edge's report of the HTTP version stood in for (the test below checks the version without it).
    wire: workerdWire(() => worker),
  });

  it('gives SERVER_PROTOCOL HTTP/1.1 to an HTTP/1.0 request when nothing reports the version (workerd run locally)', async () => {
    const request = { method: 'GET', target: '/environ', version: 'HTTP/1.0' } as const;
    const response = await rawExchange(worker.url.href, 'GET', requestBytes(request, worker.url.host));
    expect(response.status).toBe(200);
    expect((JSON.parse(response.body.toString('latin1')) as { cgi: Record<string, string> }).cgi.SERVER_PROTOCOL).toBe('HTTP/1.1');
  });

  it('sends wsgi.errors to console.error, which workerd logs', async () => {
    const response = await fetch(new URL('/error-before', worker.url));
    expect(response.status).toBe(500);
    for (let i = 0; i < 100 && !worker.output().includes('secret-detail-do-not-leak'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(worker.output()).toMatch(/Error in WSGI app for GET \/error-before:\n.*secret-detail-do-not-leak/);
  });
});
