/**
 * The parts of a request URL the environ is built from. A `Request.url` is always the WHATWG
 * serialization of its URL, and a URL already in that form needs no parser: it is split by hand (the
 * parser was a fifth of the gateway's own time on a small request). Anything else (a raw target from a
 * Node socket with `..` segments, `\`, spaces, non-ASCII, a host the parser would rewrite) goes through
 * `URL`, so both ways give the same parts (test/core/url.test.ts compares them on generated URLs).
 * @module
 */

export interface UrlParts {
  /** `'http:'` or `'https:'` (another scheme only through `URL`). */
  protocol: string;
  /** `hostname` plus `:port` when the port is not the scheme's default. */
  host: string;
  hostname: string;
  /** `''` for the scheme's default port. */
  port: string;
  /** Percent-encoded as sent, dot segments already resolved. */
  pathname: string;
  /** `''` or `?` and the query; an empty query is `''`, as `URL.search` gives it. */
  search: string;
}

/**
 * Scheme, a lower-case ASCII host, an optional port, then a path and query made only of characters the
 * parser keeps as they are (path: printable ASCII but `"#<>?\`{}` and `\`; query: printable ASCII but
 * `"#<>'`).
 */
const SERIALIZED = /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?(\/[!$-;=@-[\]^_a-z|~]*)(\?[!$%&(-;=?-~]*)?$/;
/** A path segment the parser would resolve: `.` or `..`, also percent-encoded. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
/** A last host label that makes the parser read the host as an IPv4 address (and possibly rewrite it). */
const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The parts of `url`, or `undefined` when it is not a URL at all. */
export function splitUrl(url: string): UrlParts | undefined {
  const match = SERIALIZED.exec(url);
  if (match !== null) {
    const [, scheme = '', hostname = '', port = '', pathname = '', query = ''] = match;
    if (isCanonicalHost(hostname) && !DOT_SEGMENT.test(pathname) && (port === '' || isCanonicalPort(port))) {
      const protocol = scheme + ':';
      const explicitPort = port === DEFAULT_PORT[protocol] ? '' : port;
      return {
        protocol,
        host: explicitPort ? `${hostname}:${explicitPort}` : hostname,
        hostname,
        port: explicitPort,
        pathname,
        search: query.length > 1 ? query : '',
      };
    }
  }
  const parsed = URL.parse(url);
  if (parsed === null) return undefined;
  const { protocol, host, hostname, port, pathname, search } = parsed;
  return { protocol, host, hostname, port, pathname, search };
}

function isCanonicalHost(hostname: string): boolean {
  if (hostname.includes('xn--')) return false;
  return !NUMERIC_LABEL.test(hostname) || DOTTED_QUAD.test(hostname);
}

function isCanonicalPort(port: string): boolean {
  return (port === '0' || !port.startsWith('0')) && Number(port) <= 65535;
}
