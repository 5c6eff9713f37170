/**
 * `wsgi-edge/util`: the port of `wsgiref.util`, helpers for working with a WSGI environ.
 *
 * Python name → wsgi-edge name: `guess_scheme` → `guessScheme`, `application_uri` → `applicationUri`,
 * `request_uri` → `requestUri`, `shift_path_info` → `shiftPathInfo`, `setup_testing_defaults` →
 * `setupTestingDefaults`, `is_hop_by_hop` → `isHopByHop`, `FileWrapper` → `FileWrapper`.
 *
 * Each function returns what CPython's returns for the same environ, quoting rules (`urllib.parse.quote`
 * with latin-1) and path normalisation (`posixpath.normpath`) included; `None` becomes `undefined`.
 * Functions take any record of environ keys, not only a full `Environ`, as Python takes any dict.
 * @module
 */

import { RequestInput } from '../core/input.ts';
import { HOP_BY_HOP } from '../core/protocol.ts';
import type { Environ, ErrorStream } from '../core/types.ts';

export { FileWrapper, fileWrapper, type FileLike, type FileSource, type FileWrapperFactory } from '../core/file-wrapper.ts';

/** Any environ-like record: a full `Environ`, or the few keys a test cares about. */
export type EnvironLike = Record<string, unknown>;

/** `'https'` when `environ.HTTPS` is `'yes'`, `'on'` or `'1'` (case-sensitive, as in CPython); else `'http'`. */
export function guessScheme(environ: EnvironLike): 'http' | 'https' {
  const https = environ.HTTPS;
  return https === 'yes' || https === 'on' || https === '1' ? 'https' : 'http';
}

/** The app's base URI: scheme, host (`HTTP_HOST`, else `SERVER_NAME` and a non-default port) and quoted `SCRIPT_NAME`. */
export function applicationUri(environ: EnvironLike): string {
  const scheme = required(environ, 'wsgi.url_scheme');
  let url = scheme + '://';
  const host = optional(environ, 'HTTP_HOST');
  if (host) {
    url += host;
  } else {
    url += required(environ, 'SERVER_NAME');
    const port = required(environ, 'SERVER_PORT');
    if (scheme === 'https') {
      if (port !== '443') url += ':' + port;
    } else if (port !== '80') {
      url += ':' + port;
    }
  }
  return url + quote(optional(environ, 'SCRIPT_NAME') || '/', '/');
}

/** The full request URI; the query string is appended as it is (not re-quoted) unless `includeQuery` is false. */
export function requestUri(environ: EnvironLike, includeQuery = true): string {
  let url = applicationUri(environ);
  const pathInfo = quote(optional(environ, 'PATH_INFO'), '/;=,');
  // applicationUri already ends with "/" when SCRIPT_NAME is empty.
  url += optional(environ, 'SCRIPT_NAME') ? pathInfo : pathInfo.slice(1);
  const query = optional(environ, 'QUERY_STRING');
  if (includeQuery && query) url += '?' + query;
  return url;
}

/**
 * Moves one segment from `PATH_INFO` to `SCRIPT_NAME` (changing `environ` in place) and returns it;
 * `undefined` when `PATH_INFO` is empty (environ untouched) or the segment was `'.'`. As in CPython,
 * `PATH_INFO` `'/'` gives `''` and a trailing slash on `SCRIPT_NAME`, so `/x` and `/x/` stay distinct.
 */
export function shiftPathInfo(environ: EnvironLike): string | undefined {
  const pathInfo = optional(environ, 'PATH_INFO');
  if (!pathInfo) return undefined;

  const parts = pathInfo.split('/');
  // Empty and "." segments go, except the first and the last, exactly as wsgiref does.
  const middle = parts.slice(1, -1).filter((part) => part !== '' && part !== '.');
  const kept = parts.length > 1 ? [parts[0]!, ...middle, parts[parts.length - 1]!] : parts;
  if (kept.length < 2) {
    // Python: IndexError from path_parts[1] when PATH_INFO has no "/".
    throw new RangeError(`PATH_INFO must start with "/" to be shifted (got ${JSON.stringify(pathInfo)})`);
  }
  const name = kept[1]!;
  kept.splice(1, 1);

  let scriptName = normpath(optional(environ, 'SCRIPT_NAME') + '/' + name);
  if (scriptName.endsWith('/')) scriptName = scriptName.slice(0, -1);
  if (!name && !scriptName.endsWith('/')) scriptName += '/';

  environ.SCRIPT_NAME = scriptName;
  environ.PATH_INFO = kept.join('/');
  // "/." keeps its last segment above; it shifts to nothing.
  return name === '.' ? undefined : name;
}

/**
 * Fills in the keys a WSGI environ needs, with dummy values for tests; existing keys are never
 * replaced, even when `undefined` or `''`. Changes `environ` in place and returns it, typed as `Environ`.
 */
export function setupTestingDefaults<T extends EnvironLike>(environ: T): T & Environ {
  const env = environ as EnvironLike;
  setDefault(env, 'SERVER_NAME', '127.0.0.1');
  setDefault(env, 'SERVER_PROTOCOL', 'HTTP/1.0');
  setDefault(env, 'HTTP_HOST', env.SERVER_NAME);
  setDefault(env, 'REQUEST_METHOD', 'GET');
  if (!Object.hasOwn(env, 'SCRIPT_NAME') && !Object.hasOwn(env, 'PATH_INFO')) {
    setDefault(env, 'SCRIPT_NAME', '');
    setDefault(env, 'PATH_INFO', '/');
  }
  setDefault(env, 'wsgi.version', [1, 0] as const);
  // Python sets the integer 0; this library's environ holds booleans.
  setDefault(env, 'wsgi.run_once', false);
  setDefault(env, 'wsgi.multithread', false);
  setDefault(env, 'wsgi.multiprocess', false);
  if (!Object.hasOwn(env, 'wsgi.input')) env['wsgi.input'] = new RequestInput(null, 0);
  if (!Object.hasOwn(env, 'wsgi.errors')) env['wsgi.errors'] = new StringErrorStream();
  setDefault(env, 'wsgi.url_scheme', guessScheme(env));
  if (env['wsgi.url_scheme'] === 'http') setDefault(env, 'SERVER_PORT', '80');
  else if (env['wsgi.url_scheme'] === 'https') setDefault(env, 'SERVER_PORT', '443');
  return environ as T & Environ;
}

/** `true` for an HTTP/1.1 hop-by-hop header name, in any case; no whitespace is trimmed. */
export function isHopByHop(headerName: string): boolean {
  return HOP_BY_HOP.has(headerName.toLowerCase());
}

/**
 * `io.StringIO` as `wsgi.errors`: keeps what is written, for a test to read back with `getValue()`.
 * `setupTestingDefaults` puts one in the environ.
 */
export class StringErrorStream implements ErrorStream {
  #text = '';

  write(text: string): void {
    this.#text += text;
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  flush(): void {}

  getValue(): string {
    return this.#text;
  }
}

function setDefault(environ: EnvironLike, key: string, value: unknown): void {
  if (!Object.hasOwn(environ, key)) environ[key] = value;
}

/** `environ[key]` as Python reads it: a missing key is an error. */
function required(environ: EnvironLike, key: string): string {
  if (!Object.hasOwn(environ, key)) throw new RangeError(`The environ has no ${JSON.stringify(key)} key`);
  return asString(environ, key);
}

/** `environ.get(key, '')`: missing, `undefined` and `null` (Python's `None`) all read as `''`. */
function optional(environ: EnvironLike, key: string): string {
  const value = environ[key];
  if (value === undefined || value === null) return '';
  return asString(environ, key);
}

function asString(environ: EnvironLike, key: string): string {
  const value = environ[key];
  if (typeof value !== 'string') {
    throw new TypeError(`environ[${JSON.stringify(key)}] must be a string (got ${JSON.stringify(value) ?? String(value)})`);
  }
  return value;
}

/** Characters `urllib.parse.quote` never escapes. */
const ALWAYS_SAFE = /[A-Za-z0-9_.~-]/;

/**
 * `urllib.parse.quote(text, safe, encoding='latin1')`: each other character becomes `%XX` of its
 * latin-1 byte. A character above U+00FF cannot be encoded (Python raises UnicodeEncodeError).
 */
function quote(text: string, safe: string): string {
  let out = '';
  for (const char of text) {
    if (ALWAYS_SAFE.test(char) || safe.includes(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (code > 0xff) {
      throw new RangeError(`Not a native (latin-1) string, cannot be quoted: ${JSON.stringify(text)}`);
    }
    out += '%' + code.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** `posixpath.normpath`: collapses `//`, `.` and `..`, keeping exactly two leading slashes; `''` → `'.'`. */
function normpath(path: string): string {
  if (path === '') return '.';
  let initialSlashes = path.startsWith('/') ? 1 : 0;
  // POSIX lets an implementation give "//" a meaning of its own; three or more mean "/".
  if (initialSlashes && path.startsWith('//') && !path.startsWith('///')) initialSlashes = 2;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (!initialSlashes && parts.length === 0) || parts[parts.length - 1] === '..') {
      parts.push(part);
    } else if (parts.length > 0) {
      parts.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + parts.join('/');
  return joined || '.';
}
