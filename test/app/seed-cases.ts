/**
 * The seed app's requests and its Python 3 port as the oracle (test/app/oracle/wsgi_app.py, run by
 * python3), shared by every suite that checks a port or a deployment of the seed app against CPython.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { nativeToBytes } from '../../src/core/native-string.ts';

/** The seed's pages say their charset: the one change to its answers (README "The seed's app"). */
export const HTML = 'text/html; charset=utf-8';
export const FORM_PAGE = '<html><head><title>wsgi_app.py</title></head><body>Welcome! Enter a string: <form action="encode">' +
  '<input name="mystring"><input type="submit"></form></body>';
export const encodedPage = (repr: string, b64: string) =>
  `<html><head><title>wsgi_app.py</title></head><body><tt>${repr}</tt> base64 encoded is: <tt>${b64}</tt>` +
  '<br><a href="/">Return to the home page</a></body>';

/** The seed app's whole answer table: method, target, status, Content-Type, body. */
export const SEED_ANSWERS: [string, string, number, string, string][] = [
  ['GET', '/', 200, HTML, FORM_PAGE],
  ['GET', '/?x=1', 400, 'text/plain', 'Error: the front page is not a form'],
  ['POST', '/', 400, 'text/plain', 'Error: the front page is not a form'],
  ['HEAD', '/', 400, 'text/plain', ''],
  ['POST', '/encode?mystring=a', 400, 'text/plain', 'Error: this form does not support POST parameters'],
  ['GET', '/encode', 400, 'text/plain', 'Error: this form requires a "mystring" parameter'],
  ['GET', '/encode?mystring=', 400, 'text/plain', 'Error: this form requires a "mystring" parameter'],
  ['GET', '/encode?other=x', 400, 'text/plain', 'Error: this form requires a "mystring" parameter'],
  ['GET', '/encode?mystring=hello', 200, HTML, encodedPage('&#x27;hello&#x27;', 'aGVsbG8=')],
  ['GET', '/encode?mystring=a+b%26c', 200, HTML, encodedPage('&#x27;a b&amp;c&#x27;', 'YSBiJmM=')],
  ['GET', "/encode?mystring=it%27s", 200, HTML, encodedPage('&quot;it&#x27;s&quot;', 'aXQncw==')],
  ['GET', '/encode?mystring=%3Cb%3E%C3%A9', 200, HTML, encodedPage('&#x27;&lt;b&gt;é&#x27;', 'PGI+w6k=')],
  ['GET', '/encode?mystring=first&mystring=second', 200, HTML, encodedPage('&#x27;first&#x27;', 'Zmlyc3Q=')],
  ['GET', '/nope', 404, 'text/plain', 'That URL is not valid'],
  ['GET', '/encode/', 404, 'text/plain', 'That URL is not valid'],
];

/** One request as the oracle takes it: PATH_INFO as a native string, QUERY_STRING as sent. */
export interface OracleCase { method: string; path: string; query: string }
export interface OracleAnswer { status: string; headers: Array<[string, string]>; body: string }

/** Inputs where ports go wrong: invalid UTF-8, controls, odd escapes and separators, a non-ASCII path. */
export const EDGE_CASES: OracleCase[] = [
  { method: 'GET', path: '/', query: '' },
  { method: 'GET', path: '/encode', query: 'mystring=%F0%9F%98%80%00%7F%C2%85%E2%80%A8' },
  { method: 'GET', path: '/encode', query: 'mystring=%FF%FE%C3' },
  { method: 'GET', path: '/encode', query: 'mystring=%E2%82' },
  { method: 'GET', path: '/encode', query: 'mystring=%ED%A0%80x' },
  { method: 'GET', path: '/encode', query: 'mystring=a%5Cb%22c%27d%09%0A%0D' },
  { method: 'GET', path: '/encode', query: 'mystring=%25zz%2' },
  { method: 'GET', path: '/encode', query: 'mystring=x;mystring=y&=z&mystring' },
  { method: 'GET', path: '/encode', query: 'mystring=%E0%B8%81%CC%81%E2%80%8B%EF%BB%BF' },
  { method: 'PUT', path: '/encode', query: 'mystring=a' },
  { method: 'GET', path: '/caf\u00c3\u00a9', query: '' },
];

/** CPython's answers to `cases`, from app/wsgi_app.py itself. */
export function askPython(cases: OracleCase[]): OracleAnswer[] {
  const output = execFileSync('python3', ['test/app/oracle/wsgi_app.py'], { input: JSON.stringify(cases) });
  return JSON.parse(output.toString()) as OracleAnswer[];
}

/** The seed's answer table and the edge cases, as the oracle takes them. */
export function seedOracleCases(): OracleCase[] {
  return [
    ...SEED_ANSWERS.map(([method, target]) => {
      const [path, query = ''] = target.split('?');
      return { method, path: path!, query };
    }),
    ...EDGE_CASES,
  ];
}

/** A native-string path as a request target carries it: percent-encoded but for unreserved characters and `/`. */
export function targetPath(path: string): string {
  return [...nativeToBytes(path)].map((byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9/._~-]/.test(char) ? char : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }).join('');
}

/** Every seed case sent to the server at `baseUrl`: status, Content-Type and body bytes (base64, as the oracle gives them) as CPython's app gives them. */
export async function expectAnswersAsCPython(baseUrl: string): Promise<void> {
  const cases = seedOracleCases();
  const expected = askPython(cases);
  for (const [i, request] of cases.entries()) {
    const url = new URL(targetPath(request.path) + (request.query ? `?${request.query}` : ''), baseUrl);
    const response = await fetch(url, { method: request.method });
    const oracle = expected[i]!;
    const body = Buffer.from(await response.arrayBuffer()).toString('base64');
    expect({ request, status: response.status, type: response.headers.get('content-type'), body }).toEqual({
      request,
      status: Number(oracle.status.split(' ')[0]),
      type: oracle.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1],
      // A server sends no body for HEAD; CPython's app produced one, which the gateway drops.
      body: request.method === 'HEAD' ? '' : oracle.body,
    });
  }
}
