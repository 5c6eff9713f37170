/**
 * The generated-app property's client side for targets reached over loopback HTTP (Node, deno serve,
 * workerd): runs go over a raw socket (raw-http.ts), `/state` through `fetch`.
 * @module
 */

import { rawRequest } from './raw-http.ts';
import type { RunState } from './script-fixture.ts';
import type { WireTarget } from './wire-property.ts';

export function httpTarget(
  name: string,
  origin: () => string,
  rest: Pick<WireTarget, 'failedBody' | 'numRuns'>,
): WireTarget {
  return {
    name,
    ...rest,
    async send(method, id, encoded) {
      const response = await rawRequest(origin(), method, `/run?id=${id}&s=${encoded}`);
      return { status: response.status, headerLines: response.headerLines, body: response.body, cutShort: response.cutShort };
    },
    async state(id) {
      const response = await fetch(new URL(`/state?id=${id}`, origin()));
      if (response.status !== 200) throw new Error(`${name} /state answered ${response.status}: ${await response.text()}`);
      return await response.json() as RunState;
    },
  };
}
