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
/** A field value: latin-1, no control characters except TAB. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

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
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** Methods Fetch writes in upper case whatever case they came in; the rest are kept as sent. */
const CASE_FOLDED_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
/** Methods a Fetch `Request` cannot carry, refused by the transports that build no `Request` too. */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * A request method as a Fetch `Request` would hold it, or `undefined` when it could not hold it (not a
 * token, or forbidden): the same answer on transports that build no `Request`.
 */
export function normalizeMethod(method: string): string | undefined {
  if (!TOKEN.test(method)) return undefined;
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) return undefined;
  return CASE_FOLDED_METHODS.has(upper) ? upper : method;
}

export interface ParsedStatus {
  code: number;
  reason: string;
}

export function parseStatus(status: unknown): ParsedStatus {
  if (typeof status !== 'string') {
    throw new WsgiError('bad-status', `Status must be a string (got ${quote(status)})`);
  }
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
  return { code, reason: match[2] ?? '' };
}

/** Checks the header list and returns it; throws a WsgiError naming the first bad entry. */
export function checkHeaders(headers: unknown): HeaderPair[] {
  if (!Array.isArray(headers)) {
    throw new WsgiError('bad-header', `Headers must be an array of [name, value] pairs (got ${quote(headers)})`);
  }
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new WsgiError('bad-header', `Each header must be a [name, value] pair (got ${quote(pair)})`);
    }
    const [name, value] = pair as unknown[];
    if (typeof name !== 'string' || !TOKEN.test(name)) {
      throw new WsgiError('bad-header', `Header name must be an HTTP token (got ${quote(name)})`);
    }
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) {
      throw new WsgiError(
        'bad-header',
        `Header ${name} must have a latin-1 value without control characters (got ${quote(value)})`,
      );
    }
    if (HOP_BY_HOP.has(name.toLowerCase())) {
      throw new WsgiError('hop-by-hop-header', `Hop-by-hop header ${quote(name)} is not allowed`);
    }
  }
  return headers as HeaderPair[];
}

/** The app's Content-Length, or `undefined`; a malformed one is the app's error. */
export function declaredContentLength(headers: HeaderPair[]): number | undefined {
  let found: string | undefined;
  for (const [name, value] of headers) {
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      if (found !== undefined && found !== value) {
        throw new WsgiError('bad-header', `Conflicting Content-Length headers (${quote(found)} and ${quote(value)})`);
      }
      found = value;
    }
  }
  if (found === undefined) return undefined;
  if (!/^\d{1,15}$/.test(found.trim())) {
    throw new WsgiError('bad-header', `Content-Length must be a non-negative integer (got ${quote(found)})`);
  }
  return Number(found.trim());
}

export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
