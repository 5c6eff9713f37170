/**
 * Trusted proxies: `X-Forwarded-For`, `-Proto` and `-Host` are believed only through hops the deployer
 * names, counted from the platform's own peer address (the role of Werkzeug's `ProxyFix`). Off by default:
 * a client can write any of these headers itself.
 * @module
 */

import type { RequestHeaders } from './types.ts';

/** How many proxies stand in front of the app, or the addresses of those proxies. */
export type TrustProxy = number | readonly string[];

export interface Forwarded {
  remoteAddr: string;
  scheme?: 'http' | 'https';
  host?: string;
}

function list(header: string | null): string[] {
  if (header === null) return [];
  return header.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * The client as the trusted proxies report it. `peer` is the address the platform saw; each trusted hop
 * appended the address it saw to `X-Forwarded-For`, so the chain is read from the right.
 */
export function resolveForwarded(headers: RequestHeaders, peer: string, trust: TrustProxy): Forwarded {
  const forwardedFor = list(headers.get('x-forwarded-for'));
  let hops: number;
  if (typeof trust === 'number') {
    hops = Math.max(0, Math.min(Math.floor(trust), forwardedFor.length));
  } else {
    const trusted = new Set(trust);
    hops = 0;
    let current = peer;
    while (trusted.has(current) && hops < forwardedFor.length) {
      current = forwardedFor[forwardedFor.length - 1 - hops]!;
      hops++;
    }
  }
  if (hops === 0) return { remoteAddr: peer };

  const result: Forwarded = { remoteAddr: forwardedFor[forwardedFor.length - hops]! };
  // The proto and host set by the outermost trusted proxy, the one that spoke to the client.
  const protos = list(headers.get('x-forwarded-proto'));
  const proto = protos[protos.length - Math.min(hops, protos.length)]?.toLowerCase();
  if (proto === 'http' || proto === 'https') result.scheme = proto;
  const hosts = list(headers.get('x-forwarded-host'));
  const host = hosts[hosts.length - Math.min(hops, hosts.length)];
  if (host !== undefined && /^[A-Za-z0-9.\-:[\]]+$/.test(host)) result.host = host;
  return result;
}
