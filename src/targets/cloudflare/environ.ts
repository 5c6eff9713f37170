/**
 * What the Workers runtime knows about a request, as core `GatewayOptions`: the client address Cloudflare
 * reports in `CF-Connecting-IP`, and the Worker's `env`, `ctx` and `request.cf` under `cloudflare.*`
 * environ keys (PEP 3333 "server-defined variables", namespaced by the server's name).
 * @module
 */

import type { GatewayOptions } from '../../core/types.ts';
import type { ExecutionContext, WorkerRequest } from './types.ts';

/** Options of the Cloudflare target: the core's, less what the platform itself supplies. */
export type CloudflareOptions = Omit<GatewayOptions, 'remoteAddr' | 'rawUri'>;

export function cloudflareGatewayOptions(
  request: WorkerRequest,
  env: unknown,
  ctx: ExecutionContext,
  options: CloudflareOptions,
): GatewayOptions {
  // Cloudflare's edge sets this header itself and overwrites any value the client sent, so unlike
  // X-Forwarded-For it names the connecting client (the Workers docs' "Client IP address").
  const remoteAddr = request.headers.get('cf-connecting-ip') ?? undefined;
  return {
    ...options,
    ...(remoteAddr === undefined ? {} : { remoteAddr }),
    environ: {
      'cloudflare.env': env,
      'cloudflare.ctx': ctx,
      'cloudflare.cf': request.cf,
      ...options.environ,
    },
  };
}
