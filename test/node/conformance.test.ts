/** The conformance suite against the Node simple server (`makeServer`), in this process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { conformanceApp } from '../conformance/apps.ts';
import { conformanceSuite } from '../conformance/cases.ts';
import { RUNTIME_REQUEST_FACTS, socketWire } from '../conformance/request-cases.ts';
import { rawRequest } from '../hardening/raw-http.ts';

describe('conformance: Node simple server', () => {
  let server: WsgiServer;
  beforeAll(async () => {
    server = await makeServer('127.0.0.1', 0, conformanceApp, { accessLog: false, errors: () => undefined });
  });
  afterAll(() => server.close());

  conformanceSuite({
    name: 'node',
    baseUrl: () => `http://127.0.0.1:${server.port}`,
    remoteAddr: '127.0.0.1',
    environ: { 'wsgi_edge.request': { type: 'object' } },
    wire: socketWire(() => `http://127.0.0.1:${server.port}`),
    platform: { request: RUNTIME_REQUEST_FACTS.node },
  });

  it('writes the app\'s own reason phrase, as wsgiref does', async () => {
    expect((await rawRequest(`http://127.0.0.1:${server.port}`, 'GET', '/status/203')).statusLine).toBe('HTTP/1.1 203 Reason Of The App');
  });
});
