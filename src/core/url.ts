/**
 * A request URL as the parts the environ is built from. A URL that is already in the form the WHATWG
 * parser would serialize it to (every Fetch `Request.url`, and most request targets) is split by hand:
 * inside a server, `URL.parse` costs about 2 µs a request, more than the rest of the environ. Anything
 * the parser could change (upper-case hosts, dot segments, characters it would percent-encode, IPv6,
 * IDNA, default or zero-padded ports, fragments) goes through `URL.parse` instead, so both ways give
 * the same parts (test/core/url.test.ts compares them on generated URLs). Either way the query and the
 * request target are taken from the string as written, never as the parser would re-encode them.
 * @module
 */

import { toNative } from './native-string.ts';

/**
 * The parts of a URL the environ needs: the names and meanings of the `URL` getters, except `search`
 * and `target`, which keep the query and path as the URL string has them (the parser percent-encodes
 * `"`, `'`, `<`, `>` and more in a query, which the app must see as the client sent them).
 */
export interface UrlParts {
  readonly protocol: string;
  readonly hostname: string;
  /** `''` for the scheme's default port, as `URL.port` gives it. */
  readonly port: string;
  readonly host: string;
  readonly pathname: string;
  /** `''` or `?` and the query, as written (a native string); `''` for a bare `?`, as `URL.search` gives it. */
  readonly search: string;
  /** The path and query as written, without any fragment (a native string): the environ's default `RAW_URI`. */
  readonly target: string;
}

const HOST_CHAR = 1;
const PATH_CHAR = 2;
const QUERY_CHAR = 4;

/**
 * What the parser leaves as it is, by ASCII code: lower-case host names; path and query characters
 * outside the percent-encode sets of special schemes (`'` is encoded in a special query, `\` becomes
 * `/` in a path, and `^`, `{`, `}` and `` ` `` are left to the parser there).
 */
const CHAR_CLASS = (() => {
  const table = new Uint8Array(128);
  const mark = (chars: string, flags: number) => {
    for (const char of chars) table[char.charCodeAt(0)]! |= flags;
  };
  const digits = '0123456789';
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  mark(lower + digits + '-._', HOST_CHAR);
  mark(lower + upper + digits + "-._~!$&()*+,;=:@/%", PATH_CHAR | QUERY_CHAR);
  mark("'[]|", PATH_CHAR);
  mark('?[]|\\^{}`', QUERY_CHAR);
  return table;
})();

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The parts of `url`, or `null` when it is not a URL. */
export function splitUrl(url: string): UrlParts | null {
  return splitCanonical(url) ?? splitParsed(url);
}

/** `URL.parse` for the origin and the path, the string itself for the target and the query. */
function splitParsed(url: string): UrlParts | null {
  const parsed = URL.parse(url);
  if (parsed === null) return null;
  const target = toNative(targetAsWritten(url));
  const queryStart = target.indexOf('?');
  return {
    protocol: parsed.protocol,
    hostname: parsed.hostname,
    port: parsed.port,
    host: parsed.host,
    pathname: parsed.pathname,
    search: queryStart === -1 || queryStart === target.length - 1 ? '' : target.slice(queryStart),
    target,
  };
}

/**
 * The path and query of an absolute URL as written: past the slashes after the scheme and the authority
 * (which ends where the parser ends it: `/`, `\`, `?` or `#`), up to any fragment; `/` for an empty path.
 */
function targetAsWritten(url: string): string {
  let start = url.indexOf(':') + 1;
  while (url[start] === '/' || url[start] === '\\') start++;
  while (start < url.length && !AUTHORITY_END.has(url[start]!)) start++;
  const hash = url.indexOf('#', start);
  const target = hash === -1 ? url.slice(start) : url.slice(start, hash);
  return target.startsWith('/') ? target : '/' + target;
}

const AUTHORITY_END: ReadonlySet<string> = new Set(['/', '\\', '?', '#']);

/** The parts of an `http:` or `https:` URL the parser would give back unchanged; `undefined` otherwise. */
export function splitCanonical(url: string): UrlParts | undefined {
  let protocol: string;
  if (url.startsWith('http://')) protocol = 'http:';
  else if (url.startsWith('https://')) protocol = 'https:';
  else return undefined;
  const hostStart = protocol.length + 2;
  const pathStart = url.indexOf('/', hostStart);
  if (pathStart === -1) return undefined;
  const origin = originOf(url, hostStart, pathStart, protocol);
  if (origin === undefined) return undefined;

  const queryStart = scanPath(url, pathStart);
  if (queryStart === -1) return undefined;
  if (queryStart < url.length) {
    for (let i = queryStart + 1; i < url.length; i++) {
      const code = url.charCodeAt(i);
      if (!(code < 128 && CHAR_CLASS[code]! & QUERY_CHAR)) return undefined;
    }
  }
  return {
    protocol,
    hostname: origin.hostname,
    port: origin.port,
    host: origin.host,
    pathname: url.slice(pathStart, queryStart),
    search: queryStart < url.length - 1 ? url.slice(queryStart) : '',
    target: url.slice(pathStart),
  };
}

interface Origin {
  /** Scheme and authority as written, up to the path. */
  readonly prefix: string;
  readonly hostname: string;
  readonly port: string;
  readonly host: string;
}

/** The last origin checked: a server sees the same one on almost every request. */
let lastOrigin: Origin | undefined;

/** Host and port of `url` (between `hostStart` and `pathStart`), when the parser would keep them as written. */
function originOf(url: string, hostStart: number, pathStart: number, protocol: string): Origin | undefined {
  // A slice compared with `===`: V8's `startsWith` with a prefix this long cost 0.1-0.2 µs more a URL.
  if (lastOrigin !== undefined && lastOrigin.prefix.length === pathStart && url.slice(0, pathStart) === lastOrigin.prefix) return lastOrigin;
  let colon = -1;
  for (let i = hostStart; i < pathStart; i++) {
    const code = url.charCodeAt(i);
    if (code === 0x3a && colon === -1) colon = i;
    else if (colon === -1 ? !(code < 128 && CHAR_CLASS[code]! & HOST_CHAR) : !(code >= 0x30 && code <= 0x39)) return undefined;
  }
  const hostname = url.slice(hostStart, colon === -1 ? pathStart : colon);
  let port = colon === -1 ? '' : url.slice(colon + 1, pathStart);
  if (!isPlainHostname(hostname) || (colon !== -1 && !isCanonicalPort(port))) return undefined;
  if (port === DEFAULT_PORTS[protocol]) port = '';
  lastOrigin = { prefix: url.slice(0, pathStart), hostname, port, host: port === '' ? hostname : `${hostname}:${port}` };
  return lastOrigin;
}

/**
 * Checks the path from `start` (its first `/`) and returns where it ends (the `?`, or the end of the
 * URL); -1 when the parser would change it: a character it encodes, or a `.`/`..` segment it removes,
 * written plainly or as `%2e`.
 */
function scanPath(url: string, start: number): number {
  let segmentStart = start + 1;
  for (let i = start + 1; ; i++) {
    const code = i < url.length ? url.charCodeAt(i) : 0x3f;
    if (code === 0x2f || code === 0x3f) {
      const length = i - segmentStart;
      if ((length === 1 || length === 2) && url.charCodeAt(segmentStart) === 0x2e && url.charCodeAt(i - 1) === 0x2e) return -1;
      if (code === 0x3f) return i;
      segmentStart = i + 1;
    } else if (code === 0x25) {
      if (url.charCodeAt(i + 1) === 0x32 && (url.charCodeAt(i + 2) | 0x20) === 0x65) return -1;
    } else if (!(code < 128 && CHAR_CLASS[code]! & PATH_CHAR)) {
      return -1;
    }
  }
}

const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[\da-f]*)\.?$/;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * A host name the parser keeps as written: no punycode (`xn--` labels are checked by the parser), and
 * a last label that is not a number, or else an IPv4 address in its dotted-quad form (the parser
 * rewrites other numeric hosts as one, or refuses them).
 */
function isPlainHostname(hostname: string): boolean {
  if (hostname === '' || hostname.includes('xn--')) return false;
  return !NUMERIC_LABEL.test(hostname) || DOTTED_QUAD.test(hostname);
}

/** A port the parser keeps as written: digits without a leading zero, at most 65535. */
function isCanonicalPort(port: string): boolean {
  return port !== '' && (port === '0' || port.charCodeAt(0) !== 0x30) && port.length <= 5 && Number(port) <= 65535;
}
