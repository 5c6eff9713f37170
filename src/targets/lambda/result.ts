/**
 * The core's `WsgiResult` → the buffered result shape of the event's source: `cookies` for payload 2.0,
 * `multiValueHeaders` for REST, `statusDescription` and the target group's header mode for ALB. The
 * body goes as text only when that keeps its bytes exact, else as base64; a result over the 6 MB
 * payload limit becomes a 500 with a log line pointing to `streamHandle`.
 * @module
 */

import { SERVER_ERROR_BODY } from '../../core/errors.ts';
import { concatBytes } from '../../core/native-string.ts';
import type { WsgiResult } from '../../core/result.ts';
import type { HeaderPair } from '../../core/types.ts';
import type { AlbResult, EventSource, IsBinary, LambdaResult, ResultV1, ResultV2, StreamPrelude } from './types.ts';

/** Lambda's limit for a buffered (RequestResponse) response payload: 6 MB of serialized JSON. */
export const MAX_BUFFERED_BYTES = 6 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

const TEXT_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/javascript',
  'application/ecmascript',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/yaml',
  'application/x-yaml',
  'application/graphql',
]);

/** `text/*`, the listed application types and any `+json` / `+xml` / `+yaml` structured suffix. */
export function isTextualType(contentType: string | null): boolean {
  if (!contentType) return false;
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  return media.startsWith('text/') || TEXT_TYPES.has(media) || /\+(?:json|xml|yaml)$/.test(media);
}

/** A `Content-Encoding` other than `identity` means the bytes are compressed, never text. */
function isEncoded(headers: ResultHeaders): boolean {
  const encoding = headers.get('content-encoding');
  return encoding !== null && encoding.trim().toLowerCase() !== 'identity';
}

/**
 * The body as the result carries it. Text only when the content type is textual, there is no
 * Content-Encoding and the bytes are valid UTF-8 (the front end sends a text body as UTF-8, so only
 * then does it give back the same bytes); `isBinary` can force either way, but bytes that are not
 * UTF-8 always go as base64.
 */
export function encodeBody(
  bytes: Uint8Array,
  headers: ResultHeaders,
  status: number,
  isBinary?: IsBinary,
): { body: string; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { body: '', isBase64Encoded: false };
  // The public hook takes a Fetch `Headers`; only built when a hook is given.
  const forced = isBinary?.(headers.toHeaders(), status);
  const wantText = forced === undefined
    ? isTextualType(headers.get('content-type')) && !isEncoded(headers)
    : !forced;
  if (wantText) {
    try {
      return { body: strictUtf8.decode(bytes), isBase64Encoded: false };
    } catch {
      // Not UTF-8 despite its type: base64 keeps the bytes.
    }
  }
  return { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), isBase64Encoded: true };
}

/**
 * The result's header pairs as the Lambda shapes carry them, which is what a Fetch `Headers` showed
 * before the target took the core's result directly: lowercase names in sorted order, repeats
 * comma-joined (", "), values without surrounding HTTP whitespace, and Set-Cookie values apart.
 */
export interface ResultHeaders {
  single: [string, string][];
  cookies: string[];
  /** The joined value of a lowercase `name`, or `null`. */
  get(name: string): string | null;
  /** A Fetch `Headers` of the same pairs, for the public `isBinary` hook. */
  toHeaders(): Headers;
}

export function splitHeaders(pairs: readonly HeaderPair[]): ResultHeaders {
  const joined = new Map<string, string>();
  const cookies: string[] = [];
  for (const [name, raw] of pairs) {
    const key = name.toLowerCase();
    const value = trimHttpWhitespace(raw);
    if (key === 'set-cookie') {
      cookies.push(value);
      continue;
    }
    const prior = joined.get(key);
    joined.set(key, prior === undefined ? value : `${prior}, ${value}`);
  }
  const single = [...joined];
  if (single.length > 1) single.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    single,
    cookies,
    get: (name) => joined.get(name) ?? null,
    toHeaders: () => new Headers(pairs as HeaderPair[]),
  };
}

/** Fetch strips leading and trailing HTTP whitespace (tab, LF, CR, space) from header values. */
function trimHttpWhitespace(value: string): string {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (!isHttpWhitespace(first) && !isHttpWhitespace(last)) return value;
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

function isHttpWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** The streaming prelude: the same fields a payload 2.0 result has, minus the body. */
export function toPrelude(status: number, headers: ResultHeaders): StreamPrelude {
  return { statusCode: status, headers: Object.fromEntries(headers.single), cookies: headers.cookies };
}

/**
 * `Set-Cookie` written in a different letter case each time: ALB in single-value mode takes one
 * value per key, HTTP header names are case-insensitive, and 2^9 spellings exist (Zappa,
 * serverless-wsgi and Mangum do the same).
 */
export function setCookieSpellings(count: number): string[] {
  const base = 'set-cookie';
  const letters = [...base].map((c, i) => (/[a-z]/.test(c) ? i : -1)).filter((i) => i >= 0);
  const max = 2 ** letters.length;
  if (count > max) throw new RangeError(`ALB single-value mode can carry at most ${max} Set-Cookie headers (got ${count})`);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    const chars = [...base];
    letters.forEach((index, bit) => {
      if (n & (1 << bit)) chars[index] = chars[index]!.toUpperCase();
    });
    names.push(chars.join(''));
  }
  return names;
}

export interface ResultOptions {
  isBinary?: IsBinary;
  /** Reports a result that could not be sent (the gateway's own log line). */
  log: (message: string) => void;
  /** `METHOD raw-uri`, for log lines. */
  label: string;
}

/** Takes the whole body (reading a stream or Blob up to the limit) and shapes the result for `source`. */
export async function toResult(result: WsgiResult, source: EventSource, options: ResultOptions): Promise<LambdaResult> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await bodyBytes(result.body, MAX_BUFFERED_BYTES);
  } catch {
    // The app failed after its headers: the core has logged why. Nothing has left the function yet,
    // so the client can still get a clean 500 instead of a failed invocation (a bare 502).
    return errorResult(source, 500, 'Internal Server Error', SERVER_ERROR_BODY);
  }
  if (bytes === undefined) return tooLarge(source, `over ${MAX_BUFFERED_BYTES} bytes of body`, result.status, options);
  const headers = splitHeaders(result.headers);
  const { body, isBase64Encoded } = encodeBody(bytes, headers, result.status, options.isBinary);
  const shaped = shapeResult(source, result.status, result.statusText, headers, body, isBase64Encoded);
  // JSON takes at most 6 bytes per UTF-16 unit (`\\uXXXX`), so a result far under the limit needs no count.
  if (jsonBound(body, headers) > MAX_BUFFERED_BYTES) {
    const size = utf8.encode(JSON.stringify(shaped)).length;
    if (size > MAX_BUFFERED_BYTES) return tooLarge(source, `${size} bytes as JSON`, result.status, options);
  }
  return shaped;
}

/** An upper bound of the result's JSON size in bytes. */
function jsonBound(body: string, headers: ResultHeaders): number {
  let units = body.length;
  for (const [name, value] of headers.single) units += name.length + value.length;
  for (const cookie of headers.cookies) units += cookie.length + 16;
  return units * 6 + 1024 + 64 * (headers.single.length + headers.cookies.length);
}

export function shapeResult(
  source: EventSource,
  status: number,
  statusText: string,
  headers: ResultHeaders,
  body: string,
  isBase64Encoded: boolean,
): LambdaResult {
  const { single, cookies } = headers;
  switch (source) {
    case 'function-url':
    case 'http-api': {
      const result: ResultV2 = { statusCode: status, headers: Object.fromEntries(single), body, isBase64Encoded };
      if (cookies.length > 0) result.cookies = cookies;
      return result;
    }
    case 'rest': {
      const result: ResultV1 = { statusCode: status, headers: Object.fromEntries(single), body, isBase64Encoded };
      // Only Set-Cookie goes in multiValueHeaders, so no key appears in both maps (API Gateway merges them).
      if (cookies.length > 0) result.multiValueHeaders = { 'set-cookie': cookies };
      return result;
    }
    case 'alb': {
      const result: AlbResult = { statusCode: status, statusDescription: describe(status, statusText), headers: {}, body, isBase64Encoded };
      for (const [name, value] of single) result.headers![name] = value;
      setCookieSpellings(cookies.length).forEach((name, i) => { result.headers![name] = cookies[i]!; });
      return result;
    }
    case 'alb-multi': {
      const result: AlbResult = { statusCode: status, statusDescription: describe(status, statusText), multiValueHeaders: {}, body, isBase64Encoded };
      for (const [name, value] of single) result.multiValueHeaders![name] = [value];
      if (cookies.length > 0) result.multiValueHeaders!['set-cookie'] = cookies;
      return result;
    }
  }
}

function describe(status: number, statusText: string): string {
  return statusText ? `${status} ${statusText}` : String(status);
}

/** The body's bytes, or `undefined` (after cancelling a stream, so the app's `close()` runs) once past `limit`. */
async function bodyBytes(body: WsgiResult['body'], limit: number): Promise<Uint8Array | undefined> {
  if (body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body.length > limit ? undefined : body;
  if (typeof body === 'string') return bodyBytes(Buffer.from(body, 'utf8'), limit);
  if (body instanceof Blob) return body.size > limit ? undefined : new Uint8Array(await body.arrayBuffer());
  return readAtMost(body, limit);
}

async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function tooLarge(source: EventSource, size: string, status: number, options: ResultOptions): LambdaResult {
  options.log(
    `Response to ${options.label} (status ${status}) is ${size}, over the ${MAX_BUFFERED_BYTES}-byte (6 MB) limit ` +
    'of a buffered Lambda response; answered 500 instead. Serve large responses with streamHandle() ' +
    'and a function URL in RESPONSE_STREAM invoke mode.',
  );
  return errorResult(source, 500, 'Internal Server Error', SERVER_ERROR_BODY);
}

/** A short plain-text result the gateway answers itself. */
export function errorResult(source: EventSource, status: number, reason: string, text: string): LambdaResult {
  const headers = splitHeaders([['content-type', 'text/plain; charset=utf-8'], ['content-length', String(utf8.encode(text).length)]]);
  return shapeResult(source, status, reason, headers, text, false);
}
