/**
 * `wsgi-edge/cloudflare`: a WSGI app as a Cloudflare Workers module (`export default handle(app)`).
 *
 * ```ts
 * import { handle } from 'wsgi-edge/cloudflare';
 * import { app } from './app.ts';
 * export default handle(app);
 * ```
 *
 * The environ gets `REMOTE_ADDR` from `CF-Connecting-IP`, and `cloudflare.env` (bindings),
 * `cloudflare.ctx` (`waitUntil`) and `cloudflare.cf` (`request.cf`); `wsgi.errors` goes to
 * `console.error`, which Workers logs (`wrangler tail`).
 *
 * A client gone mid-stream still ends in the app's `close()`: workerd would neither cancel nor pull a
 * JavaScript body again, so the target pipes a streamed body into a native stream itself, under
 * `ctx.waitUntil`, and a failed write cancels the body (./response.ts). Also set the
 * `enable_request_signal` compatibility flag (`compatibility_flags = ["enable_request_signal"]` in
 * wrangler.toml): `request.signal` then stops the body as soon as workerd itself sees the disconnect.
 * Without the flag the pipe alone reports it, at the first write that fails. Once the body is stopped,
 * workerd drops the request's context: cleanup that awaits (an async generator's `finally`, an async
 * `close()`) must hand that work to `environ['cloudflare.ctx'].waitUntil(...)`, or it never finishes
 * (and a `close()` that follows such a `finally` is never called).
 * @module
 */

import { dispatch } from '../../core/gateway.ts';
import { whenReady } from '../../core/promise.ts';
import type { WsgiApp } from '../../core/types.ts';
import { cloudflareGatewayOptions, type CloudflareOptions } from './environ.ts';
import { toWorkerResponse } from './response.ts';
import type { WorkerHandler } from './types.ts';

export type { CloudflareOptions } from './environ.ts';
export type { ExecutionContext, IncomingRequestCf, WorkerHandler, WorkerRequest } from './types.ts';

/** Wraps `app` as a Worker's `ExportedHandler`: `{ fetch(request, env, ctx) }`. */
export function handle<Env = unknown>(app: WsgiApp, options: CloudflareOptions = {}): WorkerHandler<Env> {
  return {
    fetch: (request, env, ctx) =>
      whenReady(dispatch(app, request, cloudflareGatewayOptions(env, ctx, options)), (result) => toWorkerResponse(result, request, ctx)),
  };
}
