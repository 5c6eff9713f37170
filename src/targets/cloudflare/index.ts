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
 * `console.error`, which Workers logs (`wrangler tail`). Set the `enable_request_signal` compatibility
 * flag: without it workerd gives no notice when a client goes away mid-stream, and `close()` never runs.
 * @module
 */

import { respond } from '../../core/gateway.ts';
import type { WsgiApp } from '../../core/types.ts';
import { cloudflareGatewayOptions, type CloudflareOptions } from './environ.ts';
import { toWorkerResponse } from './response.ts';
import type { WorkerHandler } from './types.ts';

export type { CloudflareOptions } from './environ.ts';
export type { ExecutionContext, IncomingRequestCf, WorkerHandler, WorkerRequest } from './types.ts';

/** Wraps `app` as a Worker's `ExportedHandler`: `{ fetch(request, env, ctx) }`. */
export function handle<Env = unknown>(app: WsgiApp, options: CloudflareOptions = {}): WorkerHandler<Env> {
  return {
    fetch: async (request, env, ctx) =>
      toWorkerResponse(await respond(app, request, cloudflareGatewayOptions(request, env, ctx, options))),
  };
}
