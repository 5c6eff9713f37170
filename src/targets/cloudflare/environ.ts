/**
 * What the Workers runtime knows about a request, as core `GatewayOptions`: the client address Cloudflare
 * reports in `CF-Connecting-IP`, the HTTP version it reports in `request.cf` as `SERVER_PROTOCOL`, and the
 * Worker's `env`, `ctx` and `request.cf` under `cloudflare.*`
 * environ keys (PEP 3333 "server-defined variables", namespaced by the server's name).
 * @module
 */

import { reportedProtocol } from '../../core/protocol.ts';
import type { GatewayOptions, PlatformSuppliedOption } from '../../core/types.ts';
import type { ExecutionContext, IncomingRequestCf, WorkerRequest } from './types.ts';

/**
 * `cloudflare.cf` as a getter, one for every request: workerd builds `request.cf` from its serialized
 * form on each read (tens of microseconds), so it is read from the environ's own request when the app
 * asks, and kept there as a plain value.
 */
const LAZY_CF: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Record<string, unknown>) {
    const cf = (this['wsgi_edge.request'] as WorkerRequest | undefined)?.cf;
    Object.defineProperty(this, 'cloudflare.cf', { value: cf, writable: true, enumerable: true, configurable: true });
    return cf;
  },
  set(this: Record<string, unknown>, value: unknown) {
    Object.defineProperty(this, 'cloudflare.cf', { value, writable: true, enumerable: true, configurable: true });
  },
};

/**
 * `SERVER_PROTOCOL` as a getter too: Cloudflare's edge reports the client's HTTP version in
 * `request.cf.httpProtocol` (`HTTP/1.0`, `HTTP/2`, ...), read through the lazy `cloudflare.cf` above only
 * when the app asks; without it (workerd run locally) it is `HTTP/1.1`. The getter stays a getter (a
 * property read and a pattern test each time): turning it into a value costs more than that.
 */
const LAZY_PROTOCOL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Record<string, unknown>) {
    const cf = this['cloudflare.cf'] as IncomingRequestCf | undefined;
    return reportedProtocol(cf?.httpProtocol) ?? 'HTTP/1.1';
  },
  set(this: Record<string, unknown>, value: unknown) {
    Object.defineProperty(this, 'SERVER_PROTOCOL', { value, writable: true, enumerable: true, configurable: true });
  },
};

/** Options of the Cloudflare target: the core's, less what the platform itself supplies. */
export type CloudflareOptions = Omit<GatewayOptions, PlatformSuppliedOption>;

export function cloudflareGatewayOptions(env: unknown, ctx: ExecutionContext, options: CloudflareOptions): GatewayOptions {
  const platformEnviron: Record<string, unknown> = { 'cloudflare.env': env, 'cloudflare.ctx': ctx };
  Object.defineProperty(platformEnviron, 'cloudflare.cf', LAZY_CF);
  Object.defineProperty(platformEnviron, 'SERVER_PROTOCOL', LAZY_PROTOCOL);
  return {
    ...options,
    // Cloudflare's edge sets this header itself and overwrites any value the client sent, so unlike
    // X-Forwarded-For it names the connecting client (the Workers docs' "Client IP address").
    remoteAddrHeader: 'cf-connecting-ip',
    // workerd's Headers are C++: each header read crosses into the runtime.
    lazyHeaders: true,
    // workerd sends the length of a complete body itself (toWorkerResponse leaves the header out).
    platformCountsLength: true,
    platformEnviron,
  };
}
