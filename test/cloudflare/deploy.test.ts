/**
 * `wrangler deploy --dry-run` builds the seed's Worker from the root wrangler.toml offline, and that
 * bundle (what `wrangler deploy` would upload) serves the seed's app in workerd. The bundle's size
 * (minified, then gzipped) is what the README quotes.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { buildWorker, startWorker, type BuiltWorker } from './workerd.ts';

describe('wrangler deploy --dry-run of wrangler.toml', () => {
  let bundle: BuiltWorker;
  let minified: BuiltWorker;
  let worker: { miniflare: Miniflare; url: URL };
  beforeAll(async () => {
    [bundle, minified] = await Promise.all([buildWorker('wrangler.toml'), buildWorker('wrangler.toml', ['--minify'])]);
    worker = await startWorker(minified);
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('bundles the seed app with the core and nothing platform-specific, small', () => {
    expect(bundle.report).toContain('--dry-run: exiting now.');
    expect(bundle.script).toContain('wsgi_app.py');
    expect(bundle.script).not.toMatch(/from\s*["'](node|cloudflare):/);
    const gzipped = gzipSync(minified.script).length;
    console.log(`worker bundle: ${bundle.bytes} B; minified ${minified.bytes} B; minified+gzip ${gzipped} B`);
    // A budget, not a measurement: growing past it means something large was pulled in.
    expect(gzipped).toBeLessThan(16 * 1024);
  });

  it('the minified bundle serves the seed app in workerd', async () => {
    const answer = await fetch(new URL('/encode?mystring=%3Cb%3E%C3%A9', worker.url), { headers: { 'Accept-Encoding': 'identity' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await answer.text()).toContain('<tt>&#x27;&lt;b&gt;é&#x27;</tt> base64 encoded is: <tt>PGI+w6k=</tt>');
    const form = await fetch(new URL('/?x=1', worker.url));
    expect([form.status, await form.text()]).toEqual([400, 'Error: the front page is not a form']);
  });
});
