/**
 * Lambda HTTP event → the request parts the core reads (no Fetch `Request` is built) plus the gateway options the core needs (`remoteAddr`,
 * `scriptName`, `rawUri`, `serverProtocol`, environ extras). One function per concern: which front end sent the event,
 * the path, the query, the headers (with cookies), the body and the client address.
 * @module
 */

import { normalizeScriptName } from '../../core/environ.ts';
import { toNative } from '../../core/native-string.ts';
import { normalizeMethod, reportedProtocol } from '../../core/protocol.ts';
import type { ErrorStream, GatewayOptions, IncomingRequest } from '../../core/types.ts';
import type { AlbEvent, EventSource, EventV1, EventV2, LambdaContext, LambdaOptions } from './types.ts';

const utf8 = new TextEncoder();

/** The request could not be expressed as a Fetch `Request` would (a method Fetch forbids, a URL that is none): 400. */
export class BadEventError extends Error {
  override readonly name = 'BadEventError';
}

/** Which front end sent `event`; throws a TypeError for anything that is not an HTTP event. */
export function detectSource(event: unknown): EventSource {
  if (event !== null && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    const context = e.requestContext as Record<string, unknown> | null | undefined;
    if (context && typeof context === 'object' && context.elb) {
      return e.multiValueHeaders ? 'alb-multi' : 'alb';
    }
    if (e.version === '2.0' && typeof e.rawPath === 'string' && context && typeof context.http === 'object') {
      const domain = typeof context.domainName === 'string' ? context.domainName : '';
      return domain.includes('.lambda-url.') ? 'function-url' : 'http-api';
    }
    if (typeof e.httpMethod === 'string' && typeof e.path === 'string') return 'rest';
  }
  const keys = event !== null && typeof event === 'object' ? Object.keys(event) : [];
  throw new TypeError(
    `Not an HTTP event from a function URL, API Gateway or ALB (got ${typeof event} with keys ${JSON.stringify(keys)})`,
  );
}

/** `OPTIONS *` (its path is the asterisk form, RFC 9112 §3.2.4), which the target answers itself. */
export function isServerWideOptions(event: EventV2 | EventV1 | AlbEvent, source: EventSource): boolean {
  if (source === 'function-url' || source === 'http-api') {
    const v2 = event as EventV2;
    return v2.requestContext.http.method === 'OPTIONS' && v2.rawPath === '*';
  }
  const v1 = event as EventV1 | AlbEvent;
  return v1.httpMethod === 'OPTIONS' && v1.path === '*';
}

export interface Converted {
  request: IncomingRequest;
  gateway: GatewayOptions;
}

/** Builds the request parts and the core's options for `event`. */
export function toIncomingRequest(
  event: EventV2 | EventV1 | AlbEvent,
  context: LambdaContext,
  source: EventSource,
  options: LambdaOptions,
  errors: ErrorStream,
): Converted {
  const v2 = source === 'function-url' || source === 'http-api' ? (event as EventV2) : undefined;
  const v1 = v2 ? undefined : (event as EventV1 | AlbEvent);
  const method = v2 ? v2.requestContext.http.method : v1!.httpMethod;
  const headers = v2 ? headersV2(v2, errors) : headersV1(v1!, errors);

  // The stage of a REST API reached through its execute-api domain is part of the URL the client
  // used but not of `event.path`; a non-default HTTP API stage is already in `rawPath`.
  const stage = v2 ? stageInRawPath(v2) : source === 'rest' ? stageOfRest(v1 as EventV1, headers) : '';
  const path = v2 ? v2.rawPath : stage + v1!.path;
  const query = v2 ? v2.rawQueryString ?? '' : source === 'rest' ? queryV1(v1 as EventV1) : queryAlb(v1 as AlbEvent);

  const url = `${origin(event, headers, source)}${safePath(path)}${query ? '?' + safeQuery(query) : ''}`;
  const body = bodyBytes(event);
  if (body) headers.set('content-length', String(body.length));
  const normalizedMethod = normalizeMethod(method);
  if (normalizedMethod === undefined || !URL.canParse(url)) {
    throw new BadEventError(`Cannot build a request for ${JSON.stringify(method)} ${JSON.stringify(url)}`);
  }
  // Unlike a Fetch Request, the parts may carry a body on GET and HEAD: the app reads it from wsgi.input.
  const request: IncomingRequest = { method: normalizedMethod, url, headers, body: body ?? null };

  const gateway: GatewayOptions = {
    scriptName: normalizeScriptName(stage) + normalizeScriptName(options.scriptName),
    rawUri: path + (query ? '?' + query : ''),
    platformEnviron: { 'aws_lambda.event': event, 'aws_lambda.context': context },
    environ: options.environ,
    errors,
  };
  const remoteAddr = sourceIp(event, source);
  if (remoteAddr) gateway.remoteAddr = remoteAddr;
  // ALB events carry no HTTP version: SERVER_PROTOCOL is then the core's default.
  const protocol = reportedProtocol(v2 ? v2.requestContext.http.protocol : (v1 as EventV1).requestContext?.protocol);
  if (protocol) gateway.serverProtocol = protocol;
  if (options.maxBodyBytes !== undefined) gateway.maxBodyBytes = options.maxBodyBytes;
  return { request, gateway };
}

/** `/{stage}` when a non-default HTTP API stage starts `rawPath`, else `''`. */
function stageInRawPath(event: EventV2): string {
  const stage = event.requestContext.stage;
  if (!stage || stage === '$default') return '';
  const prefix = '/' + stage;
  const path = event.rawPath;
  return path === prefix || path.startsWith(prefix + '/') ? prefix : '';
}

const EXECUTE_API_HOST = /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/i;

/** `/{stage}` for a REST event that came through the execute-api domain, else `''` (custom domains). */
function stageOfRest(event: EventV1, headers: Headers): string {
  const context = event.requestContext;
  const stage = context?.stage;
  if (!stage || stage === '$default') return '';
  const host = context.domainName ?? headers.get('host') ?? '';
  if (!EXECUTE_API_HOST.test(host)) return '';
  const prefix = '/' + stage;
  const fullPath = context.path;
  if (typeof fullPath === 'string' && fullPath !== prefix && !fullPath.startsWith(prefix + '/')) return '';
  return prefix;
}

/** Scheme, host and port of the URL the client used, from what the platform sets. */
function origin(event: EventV2 | EventV1 | AlbEvent, headers: Headers, source: EventSource): string {
  const proto = headers.get('x-forwarded-proto')?.toLowerCase();
  // Function URLs and API Gateway are HTTPS-only; ALB sets the header for client traffic, and its
  // health checks (which lack it) are plain HTTP.
  const scheme = proto === 'http' || proto === 'https' ? proto : source.startsWith('alb') ? 'http' : 'https';
  const port = headers.get('x-forwarded-port') ?? '';
  const defaultPort = scheme === 'https' ? '443' : '80';
  const portPart = /^\d{1,5}$/.test(port) && port !== defaultPort ? ':' + port : '';
  const context = source.startsWith('alb') ? undefined : (event.requestContext as { domainName?: unknown } | undefined);
  const candidates = [headers.get('host'), typeof context?.domainName === 'string' ? context.domainName : null];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const host = candidate.replace(/:\d+$/, '');
    if (URL.canParse(`${scheme}://${host}/`)) return `${scheme}://${host}${portPart}`;
  }
  // Sample events carry placeholders such as "<url-id>"; the app still sees the Host header itself.
  return `${scheme}://localhost${portPart}`;
}

/**
 * The path as a URL path whose percent-decoding gives the path's bytes exactly once. Function URLs,
 * REST and ALB deliver it percent-encoded and pass through unchanged; HTTP API delivers it decoded,
 * so what can never stand literally in an encoded path is escaped: `?` and `#` (which would split
 * the URL), `\` (which URL parsing turns into `/`), spaces, control and non-ASCII characters. (A
 * `%` not starting an escape survives both URL parsing and decoding as it is.)
 */
export function safePath(path: string): string {
  let out = path.startsWith('/') ? '' : '/';
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    const code = char.charCodeAt(0);
    if (char === '?' || char === '#' || char === '\\' || code <= 0x20 || code >= 0x7f) {
      const point = path.codePointAt(i)!;
      if (point > 0xffff) i++;
      out += percentEncode(String.fromCodePoint(point));
    } else {
      out += char;
    }
  }
  return out;
}

/**
 * The query as given, so that it reaches `QUERY_STRING` as it came (the core takes the query from the
 * URL as written): only `#`, which would start a fragment, is escaped.
 */
export function safeQuery(query: string): string {
  return query.replaceAll('#', '%23');
}

function percentEncode(text: string): string {
  let out = '';
  for (const byte of utf8.encode(text)) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  return out;
}

/** REST gives decoded parameters: re-encode them, every value of every key, in order. */
function queryV1(event: EventV1): string {
  const pairs = multiPairs(event.multiValueQueryStringParameters, event.queryStringParameters);
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

/** ALB passes parameters as the client sent them (not decoded): join them as they are. */
function queryAlb(event: AlbEvent): string {
  const pairs = multiPairs(event.multiValueQueryStringParameters, event.queryStringParameters);
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

function multiPairs(
  multi: Record<string, string[] | undefined> | null | undefined,
  single: Record<string, string | undefined> | null | undefined,
): [string, string][] {
  const pairs: [string, string][] = [];
  if (multi) {
    for (const [key, values] of Object.entries(multi)) for (const value of values ?? []) pairs.push([key, value]);
  } else if (single) {
    for (const [key, value] of Object.entries(single)) if (value !== undefined && value !== null) pairs.push([key, value]);
  }
  return pairs;
}

/** Payload 2.0: headers are already comma-joined; the `cookies` array and any `cookie` header merge. */
function headersV2(event: EventV2, errors: ErrorStream): Headers {
  const headers = new Headers();
  let cookieHeader: string | undefined;
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value === undefined || value === null) continue;
    if (name.toLowerCase() === 'cookie') cookieHeader = cookieHeader ? `${cookieHeader}; ${value}` : value;
    else addHeader(headers, name, value, errors);
  }
  const cookie = mergeCookies(event.cookies ?? [], cookieHeader);
  if (cookie) addHeader(headers, 'cookie', cookie, errors);
  return headers;
}

/** REST and ALB: the multi-value map when present (repeats comma-joined, cookies `; `-joined). */
function headersV1(event: EventV1 | AlbEvent, errors: ErrorStream): Headers {
  const headers = new Headers();
  const cookies: string[] = [];
  const entries: [string, string][] = event.multiValueHeaders
    ? Object.entries(event.multiValueHeaders).flatMap(([name, values]) => (values ?? []).map((v): [string, string] => [name, v]))
    : Object.entries(event.headers ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  for (const [name, value] of entries) {
    if (name.toLowerCase() === 'cookie') cookies.push(value);
    else addHeader(headers, name, value, errors);
  }
  if (cookies.length > 0) addHeader(headers, 'cookie', cookies.join('; '), errors);
  return headers;
}

/**
 * One `Cookie` value from the `cookies` array and the `cookie` header. Live function URL events carry
 * the same pairs in both; a pair the array already has is not repeated.
 */
export function mergeCookies(cookies: readonly string[], header: string | undefined): string {
  const parts = cookies.map((c) => c.trim()).filter(Boolean);
  const known = new Set(parts);
  for (const piece of header?.split(';') ?? []) {
    const pair = piece.trim();
    if (pair && !known.has(pair)) parts.push(pair);
  }
  return parts.join('; ');
}

/** Adds a header as native (latin-1) text; a name or value Fetch refuses is dropped with a log line. */
function addHeader(headers: Headers, name: string, value: string, errors: ErrorStream): void {
  try {
    headers.append(name, toNative(value));
  } catch {
    errors.write(`Dropped request header ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid header\n`);
    errors.flush();
  }
}

function bodyBytes(event: EventV2 | EventV1 | AlbEvent): Uint8Array | undefined {
  const body = event.body;
  if (typeof body !== 'string' || body === '') return undefined;
  return event.isBase64Encoded ? new Uint8Array(Buffer.from(body, 'base64')) : utf8.encode(body);
}

/**
 * The client address the platform observed: `sourceIp` for function URLs and API Gateway; for ALB,
 * which has no such field, the last `X-Forwarded-For` entry, the one ALB itself appends for the peer
 * (entries before it are whatever the client sent).
 */
function sourceIp(event: EventV2 | EventV1 | AlbEvent, source: EventSource): string | undefined {
  if (source === 'function-url' || source === 'http-api') return (event as EventV2).requestContext.http.sourceIp || undefined;
  if (source === 'rest') return (event as EventV1).requestContext?.identity?.sourceIp || undefined;
  const alb = event as AlbEvent;
  let forwarded: string | undefined;
  const multi = Object.entries(alb.multiValueHeaders ?? {}).find(([name]) => name.toLowerCase() === 'x-forwarded-for');
  if (multi) forwarded = multi[1]?.at(-1);
  else forwarded = Object.entries(alb.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-forwarded-for')?.[1] ?? undefined;
  const last = forwarded?.split(',').at(-1)?.trim();
  return last || undefined;
}
