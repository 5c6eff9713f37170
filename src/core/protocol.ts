/**
 * Every PEP 3333 rule on what an app may hand to `startResponse`, in one place (the role of the
 * asserts in wsgiref `BaseHandler.start_response`, plus the control-character checks CVE-2026-0865 added).
 * @module
 */

import { WsgiError } from './errors.ts';
import type { HeaderPair } from './types.ts';

/** `'NNN Reason'`: three digits, one space, then latin-1 text with no control characters. */
const STATUS_LINE = /^([1-5]\d\d) ([^\x00-\x1f\x7f-\x9f\u0100-\uffff]*)$/;
/** RFC 9110 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * A field value: latin-1, no control characters except TAB. As a pattern's source too, for the Python
 * bridge's half (src/python/wsgi_edge_bridge.py), which matches values with it in Python's `re`.
 */
export const FIELD_VALUE_PATTERN = '[\\t\\x20-\\x7e\\x80-\\xff]*';
const FIELD_VALUE = new RegExp(`^${FIELD_VALUE_PATTERN}$`);

/** RFC 2616 §13.5.1 hop-by-hop headers, which an app must not set (PEP 3333 "Other HTTP Features"). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

/** Statuses whose responses carry no body (Fetch refuses one), besides any answer to HEAD. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** Whether the response to a `method` request with status `code` carries no body. */
export function isNullBody(method: string, code: number): boolean {
  return method === 'HEAD' || NULL_BODY_STATUSES.has(code);
}

/** Methods Fetch writes in upper case whatever case they came in; the rest are kept as sent. */
const CASE_FOLDED_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
/** Methods a Fetch `Request` cannot carry, refused by the transports that build no `Request` too. */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * A request method as a Fetch `Request` would hold it, or `undefined` when it could not hold it (not a
 * token, or forbidden): the same answer on transports that build no `Request`.
 */
export function normalizeMethod(method: string): string | undefined {
  if (CASE_FOLDED_METHODS.has(method)) return method;
  if (!TOKEN.test(method)) return undefined;
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) return undefined;
  return CASE_FOLDED_METHODS.has(upper) ? upper : method;
}

const HTTP_VERSION = /^HTTP\/\d(?:\.\d)?$/;

/**
 * A platform's report of the request's HTTP version (`HTTP/1.0`, `HTTP/2`: Lambda's `protocol`,
 * workerd's `cf.httpProtocol`) as `SERVER_PROTOCOL`; `undefined` for anything else, which leaves the default.
 */
export function reportedProtocol(reported: unknown): string | undefined {
  return typeof reported === 'string' && HTTP_VERSION.test(reported) ? reported : undefined;
}

export interface ParsedStatus {
  readonly code: number;
  readonly reason: string;
}

/**
 * Apps pass the same few status lines and header names on every request: what was checked once is
 * remembered (bounded, since an app may build them from request data), so the checks below run once each.
 */
const CHECKED_LIMIT = 1024;
const checkedStatuses = new Map<string, ParsedStatus>();
/** Valid, allowed header names, with their lower-case form. */
const checkedNames = new Map<string, string>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size < CHECKED_LIMIT) cache.set(key, value);
  return value;
}

export function parseStatus(status: unknown): ParsedStatus {
  if (typeof status !== 'string') {
    throw new WsgiError('bad-status', `Status must be a string (got ${quote(status)})`);
  }
  const known = checkedStatuses.get(status);
  if (known !== undefined) return known;
  const match = STATUS_LINE.exec(status);
  if (!match) {
    throw new WsgiError(
      'bad-status',
      `Status must be three digits, a space and a reason without control characters (got ${quote(status)})`,
    );
  }
  const code = Number(match[1]);
  if (code < 200) {
    // Fetch responses cannot be informational; the platform sends 100 Continue itself.
    throw new WsgiError('bad-status', `Status must be 200 to 599 (got ${quote(status)})`);
  }
  return remember(checkedStatuses, status, Object.freeze({ code, reason: match[2] ?? '' }));
}

export interface CheckedHeaders {
  /** A copy of the app's pairs, so that changing its list later changes nothing that was checked. */
  pairs: HeaderPair[];
  /** The app's Content-Length, or `undefined`. */
  contentLength: number | undefined;
}

/** Checks the header list and copies it; throws a WsgiError naming the first bad entry. */
export function checkHeaders(headers: unknown): CheckedHeaders {
  if (!Array.isArray(headers)) {
    throw new WsgiError('bad-header', `Headers must be an array of [name, value] pairs (got ${quote(headers)})`);
  }
  const pairs: HeaderPair[] = [];
  let contentLength: string | undefined;
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new WsgiError('bad-header', `Each header must be a [name, value] pair (got ${quote(pair)})`);
    }
    const [name, value] = pair as unknown[];
    const lower = typeof name === 'string' ? checkedNames.get(name) ?? checkName(name) : checkName(name);
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new WsgiError(
        'bad-header',
        `Header ${name as string} must have a latin-1 value without control characters (got ${quote(value)})`,
      );
    }
    if (lower === 'content-length') {
      if (contentLength !== undefined && contentLength !== value) {
        throw new WsgiError('bad-header', `Conflicting Content-Length headers (${quote(contentLength)} and ${quote(value)})`);
      }
      contentLength = value;
    }
    pairs.push([name as string, value]);
  }
  return { pairs, contentLength: contentLength === undefined ? undefined : parseContentLength(contentLength) };
}

/** A header name's lower-case form, once it is known to be a token an app may send. */
function checkName(name: unknown): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new WsgiError('bad-header', `Header name must be an HTTP token (got ${quote(name)})`);
  }
  const lower = name.toLowerCase();
  if (HOP_BY_HOP.has(lower)) {
    throw new WsgiError('hop-by-hop-header', `Hop-by-hop header ${quote(name)} is not allowed`);
  }
  return remember(checkedNames, name, lower);
}

function parseContentLength(value: string): number {
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new WsgiError('bad-header', `Content-Length must be a non-negative integer (got ${quote(value)})`);
  }
  return Number(value.trim());
}

export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
