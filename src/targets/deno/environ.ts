/**
 * What `Deno.serve` knows about a request, as core `GatewayOptions`: the peer address from
 * `info.remoteAddr`, and `info` itself under the `deno.info` environ key.
 * @module
 */

import type { GatewayOptions, PlatformSuppliedOption } from '../../core/types.ts';
import type { ServeHandlerInfo } from './types.ts';

/** Options of the Deno target: the core's, less what the platform itself supplies. */
export type DenoOptions = Omit<GatewayOptions, PlatformSuppliedOption>;

export function denoGatewayOptions(info: ServeHandlerInfo, options: DenoOptions): GatewayOptions {
  return {
    ...options,
    // Read only when the environ gets its REMOTE_ADDR: `info.remoteAddr` is a call into Deno's runtime.
    remoteAddr: () => peerAddress(info),
    // Each header read is a call into Deno's runtime too; hyper refuses a malformed or repeated
    // Content-Length and a second Host line itself, and Deno builds the URL from the Host.
    lazyHeaders: true,
    framingChecked: true,
    // Deno sends the length of a complete body itself (toDenoResponse leaves the header out).
    platformCountsLength: true,
    platformEnviron: { 'deno.info': info },
  };
}

/** A Unix or VSOCK peer has no IP address: REMOTE_ADDR is then left out, as CGI allows. */
function peerAddress(info: ServeHandlerInfo): string | undefined {
  const address = info.remoteAddr;
  return address.transport === 'tcp' || address.transport === 'udp' ? address.hostname : undefined;
}
