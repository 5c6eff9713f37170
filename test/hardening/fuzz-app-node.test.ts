/**
 * Generated apps through the Node simple server (`makeServer`) over real loopback HTTP: the property of
 * wire-property.ts, the raw response bytes judged. `wsgi.errors` goes to the fixture's recorder.
 * Replay a printed failure with FC_SEED / FC_PATH (app-script-arbitraries.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { recordError, scriptFixture } from './script-fixture.ts';
import { httpTarget } from './wire-http.ts';
import { assertWireProperty } from './wire-property.ts';

describe('generated apps over the wire: Node simple server', () => {
  let server: WsgiServer;
  beforeAll(async () => {
    server = await makeServer('127.0.0.1', 0, scriptFixture, { accessLog: false, errors: recordError });
  });
  afterAll(() => server.close());

  it('keeps every gateway invariant on the wire (fast-check; the seed is printed on failure)', async () => {
    await assertWireProperty(httpTarget('node', () => `http://127.0.0.1:${server.port}`, {
      failedBody: 'aborted',
      numRuns: 200,
    }));
  }, 60_000);
});
