/**
 * Request → WSGI environ (PEP 3333 "environ Variables"), built the explicit Werkzeug way: the
 * CGI keys first, then one `HTTP_*` key per header, then the `wsgi.*` keys, then the caller's extras.
 * @module
 */

import { createErrorStream } from './error-stream.ts';
import { fileWrapper } from './file-wrapper.ts';
import { RequestInput } from './input.ts';
import { toNative, unquoteToNative } from './native-string.ts';
import { resolveForwarded } from './proxy.ts';
import type { Environ, GatewayOptions, IncomingRequest, RequestHeaders } from './types.ts';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

const DEFAULT_PORT: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * Request headers never passed to the app as `HTTP_*`: the two CGI keys have their own names, and
 * hop-by-hop framing headers describe a connection the platform already handled (PEP 3333 E5).
 */
const NOT_HTTP_KEYS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `SCRIPT_NAME` as a mount point: no trailing slash, `''` for the root. */
export function normalizeScriptName(scriptName: string | undefined): string {
  if (!scriptName) return '';
  const trimmed = scriptName.replace(/\/+$/, '');
  return trimmed && !trimmed.startsWith('/') ? '/' + trimmed : trimmed;
}

/** `HTTP_<NAME>` for a header name, or `undefined` when the header must not reach the app. */
export function httpKey(name: string): string | undefined {
  // A name with "_" would collide with its "-" twin once mapped: drop it (nginx, gunicorn, Werkzeug).
  if (name.includes('_') || NOT_HTTP_KEYS.has(name)) return undefined;
  return 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
}

/** Why a request gets no environ: the gateway answers it itself, with `status`. */
export class Refusal {
  constructor(readonly status: 400 | 404, readonly message: string) {}
}

/** Builds the environ for `request`; throws a RangeError when the gateway would refuse it instead. */
export function buildEnviron(request: IncomingRequest, options: GatewayOptions = {}): Environ {
  const environ = environFor(request, options);
  if (environ instanceof Refusal) throw new RangeError(environ.message);
  return environ;
}

/** The environ, or the `Refusal` the gateway answers: 400 for a URL that is none, 404 outside `scriptName`. */
export function environFor(request: IncomingRequest, options: GatewayOptions): Environ | Refusal {
  const url = URL.parse(request.url);
  if (url === null) return new Refusal(400, `Request URL ${JSON.stringify(request.url)} cannot be parsed`);
  const scriptName = normalizeScriptName(options.scriptName);
  const fullPath = unquoteToNative(url.pathname);
  const pathInfo = scriptName ? pathBelow(fullPath, scriptName) : fullPath;
  if (pathInfo === undefined) {
    return new Refusal(404, `Request path ${JSON.stringify(fullPath)} is outside scriptName ${JSON.stringify(scriptName)}`);
  }
  const headers = request.headers;
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const environ: Environ = {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: scriptName,
    PATH_INFO: pathInfo,
    QUERY_STRING: toNative(url.search.slice(1)),
    RAW_URI: toNative(options.rawUri ?? url.pathname + url.search),
    SERVER_NAME: url.hostname,
    SERVER_PORT: url.port || DEFAULT_PORT[url.protocol] || '80',
    SERVER_PROTOCOL: 'HTTP/1.1',
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': scheme,
    'wsgi.input': new RequestInput(request.body, maxBodyBytes),
    'wsgi.errors': createErrorStream(options.errors),
    'wsgi.multithread': false,
    'wsgi.multiprocess': true,
    'wsgi.run_once': false,
    'wsgi.input_terminated': true,
    'wsgi.file_wrapper': fileWrapper,
    'wsgi_edge.request': request,
  };

  const contentType = headers.get('content-type');
  if (contentType !== null) environ.CONTENT_TYPE = toNative(contentType);
  const contentLength = headers.get('content-length');
  if (contentLength !== null) environ.CONTENT_LENGTH = toNative(contentLength);
  if (options.remoteAddr) environ.REMOTE_ADDR = options.remoteAddr;

  // forEach rather than iteration: Deno's Headers iterator costs six times as much.
  headers.forEach((value, name) => {
    const key = httpKey(name);
    if (key === undefined) return;
    const previous = environ[key];
    // Fetch merges repeats itself, except Set-Cookie; join any that remain the way it does.
    environ[key] = typeof previous === 'string' ? `${previous}, ${toNative(value)}` : toNative(value);
  });
  environ.HTTP_HOST ??= url.host;
  if (options.trustProxy !== undefined && options.remoteAddr) applyForwarded(environ, headers, options.remoteAddr, options);

  if (options.environ) Object.assign(environ, options.environ);
  return environ;
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
