/**
 * The conformance suite in a real `deno serve` process, serving test/deno/server.ts, which loads the
 * library as published (`wsgi-edge/deno` → `dist/` through the package's exports).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { RUNTIME_REQUEST_FACTS, socketWire } from '../conformance/request-cases.ts';
import { rawRequest } from '../hardening/raw-http.ts';
import { denoServe, type DenoServer } from './deno.ts';

describe('conformance: deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe('test/deno/server.ts');
  });
  afterAll(async () => {
    await server?.stop();
  });

  conformanceSuite({
    name: 'deno',
    baseUrl: () => server.url,
    remoteAddr: '127.0.0.1',
    environ: {
      'deno.info.remoteAddr.hostname': { type: 'string', value: '127.0.0.1' },
      'deno.info.remoteAddr.transport': { type: 'string', value: 'tcp' },
      'deno.info.completed': { type: 'object' },
    },
    wire: socketWire(() => server.url),
    platform: { request: RUNTIME_REQUEST_FACTS.deno },
  });

  it('writes the canonical reason phrase, whatever the app\'s status says (so the Response carries no statusText)', async () => {
    expect((await rawRequest(server.url, 'GET', '/status/203')).statusLine).toBe('HTTP/1.1 203 Non Authoritative Information');
    expect((await rawRequest(server.url, 'GET', '/hello')).statusLine).toBe('HTTP/1.1 200 OK');
  });

  it('sends wsgi.errors to console.error, on the process stderr', async () => {
    const response = await fetch(new URL('/error-before', server.url));
    expect(response.status).toBe(500);
    for (let i = 0; i < 100 && !server.output().includes('secret-detail-do-not-leak'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.output()).toMatch(/Error in WSGI app for GET \/error-before:\n.*secret-detail-do-not-leak/);
  });
});
