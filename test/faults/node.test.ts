/** The fault cases (test/faults/suite.ts) against the Node simple server (`makeServer`), in this process. */
import { afterAll, beforeAll, describe } from 'vitest';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { faultApp } from './apps.ts';
import { faultSuite } from './suite.ts';

describe('faults: Node simple server', () => {
  let server: WsgiServer;
  beforeAll(async () => {
    server = await makeServer('127.0.0.1', 0, faultApp, { accessLog: false, errors: () => undefined });
  });
  afterAll(() => server.close());

  faultSuite({ name: 'node', baseUrl: () => `http://127.0.0.1:${server.port}`, disconnect: 'closes' });
});
