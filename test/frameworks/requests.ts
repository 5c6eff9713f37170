/**
 * The requests the suite sends to every framework (the apps answer the same paths), and what of the
 * two answers is compared.
 * @module
 */

import type { Answer, FrameworkRequest } from './exchange.ts';

export interface SuiteRequest extends FrameworkRequest {
  /** `all`: status line, the app's headers, body bytes. `status`: the status code only (a 500 page is the server's own). */
  readonly compare: 'all' | 'status';
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Files of apps/static each framework serves with its own static-file machinery (Flask's
 * send_from_directory, Bottle's static_file, Django's django.views.static.serve), by their path in
 * test/frameworks/apps: a file, and a symlink (which git stores) to templates/page.html.
 */
export const STATIC_FILES = [
  { target: '/static/hello.txt', file: 'static/hello.txt' },
  { target: '/static/linked.html', file: 'static/linked.html' },
] as const;

export const REQUESTS: readonly SuiteRequest[] = [
  { name: 'plain text', method: 'GET', target: '/text', compare: 'all' },
  { name: 'JSON', method: 'GET', target: '/json', compare: 'all' },
  { name: 'HTML template, escaped UTF-8 argument', method: 'GET', target: '/html?name=%3Cb%3EZo%C3%AB%3C%2Fb%3E', compare: 'all' },
  { name: 'query string with UTF-8 and repeated keys', method: 'GET', target: '/query?word=caf%C3%A9&word=%E6%97%A5%E6%9C%AC&word=a%2Bb+c&word=%F0%9F%98%80', compare: 'all' },
  { name: 'POST form body', method: 'POST', target: '/form', contentType: FORM, body: 'name=Zo%C3%AB&name=%F0%9F%98%80&note=a%26b%3Dc+d&empty=', compare: 'all' },
  { name: 'POST form body, charset given', method: 'POST', target: '/form', contentType: `${FORM}; charset=utf-8`, body: 'city=M%C3%BCnchen', compare: 'all' },
  { name: 'JSON request body', method: 'POST', target: '/json-body', contentType: 'application/json', body: '{"numbers": [1, 2, 3.5], "greeting": "grüße ☃"}', compare: 'all' },
  { name: 'not found (the framework\'s 404)', method: 'GET', target: '/no/such/page', compare: 'all' },
  { name: 'wrong method on a POST route', method: 'GET', target: '/form', compare: 'all' },
  { name: 'redirect', method: 'GET', target: '/redirect', compare: 'all' },
  { name: 'several Set-Cookie', method: 'GET', target: '/cookies', compare: 'all' },
  { name: 'custom status and reason', method: 'GET', target: '/custom-status', compare: 'all' },
  { name: 'streamed body (a generator, over 64 KiB)', method: 'GET', target: '/stream?prefix=%C3%A9t%C3%A9', compare: 'all' },
  { name: 'a static file', method: 'GET', target: STATIC_FILES[0].target, compare: 'all' },
  { name: 'a symlinked static file', method: 'GET', target: STATIC_FILES[1].target, compare: 'all' },
  { name: 'HEAD of a static file', method: 'HEAD', target: STATIC_FILES[0].target, compare: 'all' },
  { name: 'HEAD of a page', method: 'HEAD', target: '/text', compare: 'all' },
  { name: 'HEAD of a template page', method: 'HEAD', target: '/html?name=x', compare: 'all' },
  { name: 'app exception (500)', method: 'GET', target: '/boom', compare: 'status' },
];

/**
 * Header fields the server writes, not the app: wsgiref adds Date and Server; the framing fields
 * (Connection, Keep-Alive, Transfer-Encoding) differ by design, since wsgiref answers HTTP/1.0 and ends a
 * body by closing the connection where Node answers HTTP/1.1, chunked or with a length.
 */
const SERVER_FIELDS: ReadonlySet<string> = new Set(['date', 'server', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The app's header fields of `answer`, by name (lower case), each name's values in the order they came:
 * the order between different names is the server's business, the order of one name's values
 * (several Set-Cookie) is the app's. Content-Length counts as the app's when the reference sent one
 * (the app set it, or wsgiref counted a one-chunk body, which wsgi-edge counts too); when the reference
 * sent none (a streamed body), wsgi-edge may still frame a short body with one, and only the body
 * bytes are compared.
 */
/**
 * Werkzeug builds `Allow` from a Python set, whose order follows the process's string hash seed: the
 * same app lists `POST, OPTIONS` in one process and `OPTIONS, POST` in the next, under CPython as under
 * Pyodide. Compared as the set it is.
 */
function methodSet(allow: string): string {
  return allow.split(',').map((method) => method.trim()).sort().join(', ');
}

export function appHeaders(answer: Answer, reference: Answer): [string, string[]][] {
  const keepLength = reference.headers.some(([name]) => name === 'content-length');
  const byName = new Map<string, string[]>();
  for (const [name, value] of answer.headers) {
    if (SERVER_FIELDS.has(name) || (name === 'content-length' && !keepLength)) continue;
    byName.set(name, [...(byName.get(name) ?? []), name === 'allow' ? methodSet(value) : value]);
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
