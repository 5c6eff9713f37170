/**
 * What the Workers runtime knows about a request, as core `GatewayOptions`: the client address Cloudflare
 * reports in `CF-Connecting-IP`, the HTTP version it reports in `request.cf` as `SERVER_PROTOCOL`, and the
 * Worker's `env`, `ctx` and `request.cf` under `cloudflare.*`
 * environ keys (PEP 3333 "server-defined variables", namespaced by the server's name).
 * @module
 */

import { DeferredValue } from '../../core/deferred-value.ts';
import { reportedProtocol } from '../../core/protocol.ts';
import type { GatewayOptions, PlatformSuppliedOption } from '../../core/types.ts';
import type { ExecutionContext, IncomingRequestCf, WorkerRequest } from './types.ts';

/**
 * `cloudflare.cf`, read when the app asks: workerd builds `request.cf` from its serialized form on each
 * read (tens of microseconds), so it is read from the environ's own request then, and kept as a value.
 */
const REQUEST_CF = new DeferredValue((environ) => (environ['wsgi_edge.request'] as WorkerRequest | undefined)?.cf);

/**
 * `SERVER_PROTOCOL`, read when the app asks too: Cloudflare's edge reports the client's HTTP version in
 * `request.cf.httpProtocol` (`HTTP/1.0`, `HTTP/2`, ...), read through `cloudflare.cf` above; without it
 * (workerd run locally) it is `HTTP/1.1`.
 */
const REPORTED_PROTOCOL = new DeferredValue((environ) => {
  const cf = environ['cloudflare.cf'] as IncomingRequestCf | undefined;
  return reportedProtocol(cf?.httpProtocol) ?? 'HTTP/1.1';
});

/** Options of the Cloudflare target: the core's, less what the platform itself supplies. */
export type CloudflareOptions = Omit<GatewayOptions, PlatformSuppliedOption>;

export function cloudflareGatewayOptions(env: unknown, ctx: ExecutionContext, options: CloudflareOptions): GatewayOptions {
  return {
    ...options,
    // Cloudflare's edge sets this header itself and overwrites any value the client sent, so unlike
    // X-Forwarded-For it names the connecting client (the Workers docs' "Client IP address").
    remoteAddrHeader: 'cf-connecting-ip',
    // workerd's Headers are C++: each header read crosses into the runtime. Its HTTP parser answers a
    // malformed or repeated Content-Length and a second Host line with a 500 of its own before the Worker
    // runs (test/cloudflare/conformance.test.ts), and builds the URL from the Host: a request without a
    // body is not read for the framing checks (1.5 µs of workerd's CPU, bench/PROFILE.md). A request
    // another Worker makes in JavaScript passes no parser: its headers are the caller's, as trusted as it.
    lazyHeaders: true,
    framingChecked: true,
    // workerd sends the length of a complete body itself (toWorkerResponse leaves the header out).
    platformCountsLength: true,
    platformEnviron: { 'cloudflare.env': env, 'cloudflare.ctx': ctx, 'cloudflare.cf': REQUEST_CF, SERVER_PROTOCOL: REPORTED_PROTOCOL },
  };
}
