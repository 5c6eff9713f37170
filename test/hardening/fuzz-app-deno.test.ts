/**
 * Generated apps through the Deno target in a real `deno serve` process (test/hardening/deno-server.ts),
 * over real loopback HTTP: the property of wire-property.ts, the raw response bytes judged.
 * `wsgi.errors` goes to the fixture's recorder. Replay a printed failure with FC_SEED / FC_PATH
 * (app-script-arbitraries.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { denoServe, type DenoServer } from '../deno/deno.ts';
import { httpTarget } from './wire-http.ts';
import { assertWireProperty } from './wire-property.ts';

describe('generated apps over the wire: deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe('test/hardening/deno-server.ts');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps every gateway invariant on the wire (fast-check; the seed is printed on failure)', async () => {
    await assertWireProperty(httpTarget('deno', () => server.url, { failedBody: 'aborted', numRuns: 200 }));
  }, 60_000);
});
