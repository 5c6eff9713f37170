/**
 * The request target of a request line (RFC 9112 §3.2) as the simple server serves it. The origin form
 * (`/path?query`) is served as it is. The absolute form (`http://host/path?query`), which "a server MUST
 * accept" (§3.2.2), is served as its path and query, with its authority standing for Host: "the origin
 * server MUST ignore the received Host header field (if any) and instead use the host information of the
 * request-target" (§3.2.2). The authority form (`host:port`) is for CONNECT only and the asterisk form
 * (`*`) for a server-wide OPTIONS only (§3.2.3, §3.2.4); the server handles those two before this.
 * @module
 */

export interface ServedTarget {
  /** The path and query in origin form, as sent: the environ's `RAW_URI`, and what its URL is built from. */
  readonly originForm: string;
  /** An absolute-form target's authority, which replaces any Host header; absent for the origin form. */
  readonly authority?: string;
}

/** `http:` or `https:` (schemes are case-insensitive, RFC 3986 §3.1), the authority, then the rest. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/is;

/** The target as origin form (and authority), or `undefined` when it is neither form: the answer is 400. */
export function serveTarget(target: string): ServedTarget | undefined {
  if (target.startsWith('/')) return { originForm: target };
  const match = ABSOLUTE_FORM.exec(target);
  if (match === null) return undefined;
  const authority = match[1]!;
  const rest = match[2]!;
  if (!isHostAndPort(authority)) return undefined;
  // An empty path is "/" in origin form (RFC 9112 §3.2.1).
  return { originForm: rest.startsWith('/') ? rest : `/${rest}`, authority };
}

/**
 * `host[:port]` that the URL parser accepts; not empty (an http URI with an empty host "MUST" be rejected,
 * RFC 9110 §4.2.1) and without userinfo (its presence is to be treated as an error, §4.2.4).
 */
function isHostAndPort(authority: string): boolean {
  return authority !== '' && !authority.includes('@') && URL.parse(`http://${authority}/`) !== null;
}
