/** The fault cases (test/faults/suite.ts) against a real `deno serve` process (test/faults/deno-server.ts). */
import { afterAll, beforeAll, describe } from 'vitest';
import { denoServe, type DenoServer } from '../deno/deno.ts';
import { faultSuite } from './suite.ts';

describe('faults: deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe('test/faults/deno-server.ts');
  });
  afterAll(async () => {
    await server?.stop();
  });

  faultSuite({ name: 'deno', baseUrl: () => server.url, disconnect: 'closes' });
});
