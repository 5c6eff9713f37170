/**
 * `wsgi-edge/deno`: a WSGI app as the default export of a `deno serve` module.
 *
 * ```ts
 * import { handle } from 'wsgi-edge/deno';
 * import { app } from './app.ts';
 * export default handle(app);   // deno serve --port 8000 main.ts
 * ```
 *
 * The environ gets `REMOTE_ADDR` from `info.remoteAddr` and `deno.info` (the `ServeHandlerInfo`);
 * `wsgi.errors` goes to `console.error`. `handle(app).fetch` also works as `Deno.serve(handler)`'s
 * handler: `Deno.serve(handle(app).fetch)`.
 * @module
 */

import { setImmediate } from 'node:timers';
import { dispatch, prepareDispatch } from '../../core/gateway.ts';
import { whenReady } from '../../core/promise.ts';
import { toResponse, type ResponseOptions, type WsgiResult } from '../../core/result.ts';
import { TurnBatch } from '../../core/turn-batch.ts';
import type { WsgiApp } from '../../core/types.ts';
import { denoGatewayOptions, type DenoOptions } from './environ.ts';
import { DenoStreamResponse, READS_AS_DENO_2 } from './stream-response.ts';
import type { DenoServeHandler } from './types.ts';

export type { DenoOptions } from './environ.ts';
export { exitOnFatal, INTERPRETER_DIED } from './exit-on-fatal.ts';
export type { DenoServeHandler, NetAddr, ServeHandlerInfo, UnixAddr, VsockAddr } from './types.ts';

/** Wraps `app` as `{ fetch(request, info) }`, the shape `deno serve` and `Deno.serve` take. */
export function handle(app: WsgiApp, options: DenoOptions = {}): DenoServeHandler {
  const batch = new TurnBatch(setImmediate);
  return {
    fetch: (request, info) => {
      // A Response handed to Deno through a promise streamed its body at about half the rate in most
      // runs (bench/PROFILE.md): the first request of a turn, alone under light load, gets one at once.
      if (batch.firstOfTurn()) return whenReady(dispatch(app, request, denoGatewayOptions(info, options)), toDenoResponse);
      return new Promise<Response>((resolve, reject) => {
        batch.add(() => {
          const run = prepareDispatch(app, request, denoGatewayOptions(info, options));
          return () => {
            const result = run();
            return () => resolve(whenReady(result, toDenoResponse));
          };
        }, reject);
      });
    },
  };
}

/**
 * Deno sends the length of a complete body itself and writes its own reason phrase (see
 * `ResponseOptions`); a streamed body's buffers go back to their producer as Deno's server lets go of them
 * (stream-response.ts).
 */
function toDenoResponse(result: WsgiResult): Response {
  return toResponse(result, RESPONSE_OPTIONS);
}

const PLATFORM_WRITES: ResponseOptions = { platformCountsLength: true, platformWritesReason: true };
const RESPONSE_OPTIONS: ResponseOptions = READS_AS_DENO_2 ? { ...PLATFORM_WRITES, streamResponse: newStreamResponse } : PLATFORM_WRITES;

function newStreamResponse(body: ReadableStream<Uint8Array>, init: ResponseInit): Response {
  return new DenoStreamResponse(body, init);
}
