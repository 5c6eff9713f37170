/**
 * Request → WSGI environ (PEP 3333 "environ Variables"), built the explicit Werkzeug way: the
 * request's CGI keys and the `wsgi.*` keys first, then `SERVER_PROTOCOL`, then one `HTTP_*` key per
 * header (with `CONTENT_TYPE`, `CONTENT_LENGTH` and the peer's `REMOTE_*`), then the platform's own keys
 * and the caller's extras.
 * Where a target says reading headers costs a call into its runtime (`lazyHeaders`), the header keys
 * are added when something first asks for one (./lazy-environ.ts), where they would have been.
 * @module
 */

import { DeferredValue, deferredAccessor } from './deferred-value.ts';
import { createErrorStream } from './error-stream.ts';
import { BAD_REQUEST_BODY, BAD_URL_BODY, CLIENT_ERROR_BODY } from './errors.ts';
import { fileWrapper } from './file-wrapper.ts';
import { RequestInput } from './input.ts';
import { lazyEnviron, PRINT_FILLED, printFilled } from './lazy-environ.ts';
import { toNative, unquoteToNative } from './native-string.ts';
import { quote } from './protocol.ts';
import { resolveForwarded } from './proxy.ts';
import type { Environ, ErrorStream, GatewayOptions, IncomingRequest, RequestHeaders } from './types.ts';
import { splitUrl } from './url.ts';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** What a request is taken to be when its platform does not say (Deno's `Request`, a plain Fetch `Request`). */
const DEFAULT_PROTOCOL = 'HTTP/1.1';

const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * Request headers with an environ key of their own (the two CGI ones), or none: hop-by-hop framing
 * headers describe a connection the platform already handled (PEP 3333 E5).
 */
const SPECIAL_KEYS: ReadonlyMap<string, string | undefined> = new Map([
  ['content-type', 'CONTENT_TYPE'],
  ['content-length', 'CONTENT_LENGTH'],
  ['connection', undefined],
  ['keep-alive', undefined],
  ['proxy-connection', undefined],
  ['te', undefined],
  ['trailer', undefined],
  ['transfer-encoding', undefined],
  ['upgrade', undefined],
]);

/**
 * Keys already worked out, by lower-case header name: most requests repeat the same few dozen names,
 * and a lookup costs less than upper-casing and rewriting each name. Bounded, since clients choose names.
 */
const keyCache = new Map<string, string | undefined>(SPECIAL_KEYS);
const KEY_CACHE_LIMIT = 1024;

/** `SCRIPT_NAME` as a mount point: no trailing slash, `''` for the root. */
export function normalizeScriptName(scriptName: string | undefined): string {
  if (!scriptName) return '';
  const trimmed = scriptName.replace(/\/+$/, '');
  return trimmed && !trimmed.startsWith('/') ? '/' + trimmed : trimmed;
}

/**
 * The environ key of a request header (`name` in lower case): `HTTP_<NAME>`, `CONTENT_TYPE` or
 * `CONTENT_LENGTH`; `undefined` when the header must not reach the app.
 */
export function environKey(name: string): string | undefined {
  const cached = keyCache.get(name);
  if (cached !== undefined || keyCache.has(name)) return cached;
  // A name with "_" would collide with its "-" twin once mapped: drop it (nginx, gunicorn, Werkzeug).
  const key = name.includes('_') ? undefined : 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
  if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(name, key);
  return key;
}

/** Why a request gets no environ: the gateway answers it itself, with `status` and a fixed `body`. */
export class Refusal {
  constructor(
    readonly status: 400 | 404 | 413,
    readonly message: string,
    readonly body: string = CLIENT_ERROR_BODY[status]!,
  ) {}
}

/** Builds the environ for `request`; throws a RangeError when the gateway would refuse it instead. */
export function buildEnviron(request: IncomingRequest, options: GatewayOptions = {}): Environ {
  const environ = environFor(request, options);
  if (environ instanceof Refusal) throw new RangeError(environ.message);
  return environ;
}

/**
 * The environ, or the `Refusal` the gateway answers: 400 for a URL that is none, CONNECT, a malformed
 * `Content-Length` or more than one `Host`, 404 outside `scriptName`, 413 for a `Content-Length` over `maxBodyBytes`.
 * `eager` builds it at once even where `lazyHeaders` is set, for an app that lists every key anyway;
 * `errors` is its `wsgi.errors` (the gateway keeps it, so it never reads it back through a lazy environ).
 */
export function environFor(request: IncomingRequest, options: GatewayOptions, eager = false, errors: ErrorStream = createErrorStream(options.errors)): Environ | Refusal {
  // A WSGI app is no proxy: CONNECT asks for a tunnel, which no environ can describe (README "CONNECT and OPTIONS *").
  if (request.method === 'CONNECT') return new Refusal(400, 'CONNECT asks for a tunnel, which a WSGI app cannot give', BAD_REQUEST_BODY);
  const url = splitUrl(request.url);
  if (url === null) return new Refusal(400, `Request URL ${JSON.stringify(request.url)} cannot be parsed`, BAD_URL_BODY);
  const scriptName = normalizeScriptName(options.scriptName);
  const fullPath = unquoteToNative(url.pathname);
  const pathInfo = scriptName ? pathBelow(fullPath, scriptName) : fullPath;
  if (pathInfo === undefined) {
    return new Refusal(404, `Request path ${JSON.stringify(fullPath)} is outside scriptName ${JSON.stringify(scriptName)}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Forwarded headers change ground keys (the scheme, the server name): those are read at once.
  const lazy = !eager && options.lazyHeaders === true && options.trustProxy === undefined;
  if (lazy) {
    const refusal = options.framingChecked && request.body === null
      ? checkFraming(undefined, url.host, maxBodyBytes)
      : checkFraming(request.headers.get('content-length'), request.headers.get('host'), maxBodyBytes);
    if (refusal) return refusal;
  }

  // SERVER_PROTOCOL is added below, unless the platform's keys or the extras hold a getter for it: turning
  // a value into a getter costs far more (about 1.7 µs in V8) than adding the key.
  const ground: Omit<Environ, 'SERVER_PROTOCOL'> = {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: scriptName,
    PATH_INFO: pathInfo,
    // As the URL string has it, never re-encoded: a transport puts the query there as it was received.
    QUERY_STRING: url.search.slice(1),
    RAW_URI: options.rawUri === undefined ? url.target : toNative(options.rawUri),
    SERVER_NAME: url.hostname,
    SERVER_PORT: url.port || DEFAULT_PORT[url.protocol] || '80',
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': url.protocol === 'https:' ? 'https' : 'http',
    'wsgi.input': new RequestInput(request.body, maxBodyBytes),
    'wsgi.errors': errors,
    'wsgi.multithread': false,
    'wsgi.multiprocess': true,
    'wsgi.run_once': false,
    'wsgi.input_terminated': true,
    'wsgi.file_wrapper': fileWrapper,
    'wsgi_edge.request': request,
  };
  const environ = ground as Environ;
  const platformKeys = options.platformEnviron;
  const extras = options.environ;
  let groundKeys = GROUND_KEYS;
  if (!givesProtocol(platformKeys) && !givesProtocol(extras)) {
    environ.SERVER_PROTOCOL = options.serverProtocol ?? DEFAULT_PROTOCOL;
    groundKeys++;
  }
  if (lazy) {
    if (platformKeys) addPlatformKeys(environ, platformKeys, true);
    if (extras) addExtras(environ, extras);
    // A plain store, not Reflect.set: V8 caches its shape transition (0.2 µs a request less on Deno).
    (environ as unknown as Record<symbol, unknown>)[PRINT_FILLED] = printFilled;
    return lazyEnviron(environ, groundKeys, (target) => addPeer(target, request.headers, addHeaderKeys(target, request.headers, options), url.host, options));
  }
  const peer = addHeaderKeys(environ, request.headers, options);
  const refusal = checkFraming(environ.CONTENT_LENGTH, environ.HTTP_HOST, maxBodyBytes);
  if (refusal) return refusal;
  addPeer(environ, request.headers, peer, url.host, options);
  if (platformKeys) addPlatformKeys(environ, platformKeys, false);
  if (extras) addExtras(environ, extras);
  return environ;
}

/** The ground object's keys before `SERVER_PROTOCOL`: REQUEST_METHOD to `wsgi_edge.request` above. */
const GROUND_KEYS = 17;

/**
 * One `HTTP_*` key per header, and `CONTENT_*`; returns the peer address (the platform's, or the one its
 * `remoteAddrHeader` gives).
 */
function addHeaderKeys(environ: Environ, headers: RequestHeaders, options: GatewayOptions): string | undefined {
  const peerHeader = options.remoteAddrHeader;
  let peer = typeof options.remoteAddr === 'function' ? options.remoteAddr() : options.remoteAddr;
  // One pass over the headers, CONTENT_* included (forEach: Deno's Headers iterator costs six times as much).
  headers.forEach((value, name) => {
    if (name === peerHeader && peer === undefined) peer = value;
    const key = environKey(name);
    if (key === undefined) return;
    const previous = environ[key];
    // Fetch merges repeats itself, except Set-Cookie; join any that remain the way it does.
    environ[key] = typeof previous === 'string' ? `${previous}, ${toNative(value)}` : toNative(value);
  });
  return peer;
}

/** `HTTP_HOST` from the URL when no header gave it, `REMOTE_ADDR`, and what trusted proxies say. */
function addPeer(environ: Environ, headers: RequestHeaders, peer: string | undefined, urlHost: string, options: GatewayOptions): void {
  environ.HTTP_HOST ??= urlHost;
  if (peer) {
    environ.REMOTE_ADDR = peer;
    if (options.trustProxy !== undefined) applyForwarded(environ, headers, peer, options);
  }
}

/** Whether extra keys hold their own `SERVER_PROTOCOL` (a getter, on Workers). */
function givesProtocol(extras: Readonly<Record<string, unknown>> | undefined): boolean {
  return extras !== undefined && Object.hasOwn(extras, 'SERVER_PROTOCOL');
}

/**
 * The platform's own keys: plain values, copied as they are, and a `DeferredValue` for one that costs
 * something to read. A lazy environ keeps that as it is, for its Proxy to read when asked; an eager one
 * gets a getter that reads it once. Values, not getters: copying a getter is two calls into V8's runtime
 * a key, which cost workerd more than the rest of the keys (bench/PROFILE.md).
 */
function addPlatformKeys(environ: Environ, platformKeys: Readonly<Record<string, unknown>>, lazy: boolean): void {
  for (const key in platformKeys) {
    const value = platformKeys[key];
    if (!lazy && value instanceof DeferredValue) Object.defineProperty(environ, key, deferredAccessor(key, value));
    else environ[key] = value;
  }
}

/**
 * The caller's extra keys, merged last. A key given as a getter stays one, so a value that costs
 * something to read is read only by an app that asks for it.
 */
function addExtras(environ: Environ, extras: Record<string, unknown>): void {
  for (const key in extras) {
    if (!Object.hasOwn(extras, key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(extras, key)!;
    // Configurable and enumerable whatever the caller's was, as every other key: an app may delete it, and
    // a lazy environ moves the extras past the header keys it adds.
    if (descriptor.get) Object.defineProperty(environ, key, { get: descriptor.get, set: descriptor.set, enumerable: true, configurable: true });
    else environ[key] = descriptor.value;
  }
}

/**
 * What is refused before the app runs: a `Content-Length` that is malformed or over the limit, more than
 * one `Host` (repeats arrive joined with ","; no host name has one: RFC 9112 §3.2). With `framingChecked`,
 * a request without a body passes `host` from its URL, whose authority is its one Host line.
 */
function checkFraming(declaredLength: string | null | undefined, host: string | null | undefined, maxBodyBytes: number): Refusal | undefined {
  const refusal = checkDeclaredLength(declaredLength ?? undefined, maxBodyBytes);
  if (refusal) return refusal;
  return host?.includes(',') ? new Refusal(400, `more than one Host header (${quote(toNative(host))})`, BAD_REQUEST_BODY) : undefined;
}

/** A `Content-Length` that is malformed or over the limit is refused before the app runs. */
function checkDeclaredLength(declared: string | undefined, maxBodyBytes: number): Refusal | undefined {
  if (declared === undefined) return undefined;
  if (!/^\d+$/.test(declared.trim())) return new Refusal(400, `malformed Content-Length ${quote(declared)}`);
  if (Number(declared) > maxBodyBytes) {
    return new Refusal(413, `Content-Length ${declared} exceeds maxBodyBytes (${maxBodyBytes})`);
  }
  return undefined;
}

function applyForwarded(environ: Environ, headers: RequestHeaders, peer: string, options: GatewayOptions): void {
  const forwarded = resolveForwarded(headers, peer, options.trustProxy!);
  if (forwarded.remoteAddr === peer && forwarded.scheme === undefined && forwarded.host === undefined) return;
  environ['wsgi_edge.peer_addr'] = peer;
  environ.REMOTE_ADDR = forwarded.remoteAddr;
  if (forwarded.scheme) environ['wsgi.url_scheme'] = forwarded.scheme;
  const url = forwarded.host ? URL.parse(`${environ['wsgi.url_scheme']}://${forwarded.host}`) : null;
  if (url) {
    environ.HTTP_HOST = forwarded.host;
    environ.SERVER_NAME = url.hostname;
    environ.SERVER_PORT = url.port || DEFAULT_PORT[url.protocol] || '80';
  }
}

/** The part of `path` below `scriptName`, or `undefined` when `path` is not inside it. */
function pathBelow(path: string, scriptName: string): string | undefined {
  if (!path.startsWith(scriptName)) return undefined;
  const rest = path.slice(scriptName.length);
  return rest === '' || rest.startsWith('/') ? rest : undefined;
}
