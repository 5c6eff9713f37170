/**
 * The hand split of serialized URLs (src/core/url.ts) against the WHATWG parser itself: on generated
 * URLs made of the pieces that make the parser rewrite something, both must give the same parts, and the
 * hand split must take the URLs it is there for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCanonical, splitUrl, type UrlParts } from '../../src/core/url.ts';

const PART_NAMES = ['protocol', 'hostname', 'port', 'host', 'pathname', 'search'] as const;
const partsOf = (parts: UrlParts | null | undefined) =>
  parts ? Object.fromEntries(PART_NAMES.map((name) => [name, parts[name]])) : parts;

const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', 'ws://', 'http:/', 'http:\\\\');
const hostLabel = fc.constantFrom('a', 'example', 'Ex', 'xn--nxasmq6b', 'xn--a', '0', '1', '127', '255', '256', '010', '0x7f', 'ü', '-', '', '%41', 'a_b', '1a');
const hostname = fc.oneof(
  fc.array(hostLabel, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.constantFrom('[::1]', '[0:0::1]', 'user@host', 'user:pw@host', '127.0.0.1', '127.1', '1.2.3.4.', 'host.'),
);
const port = fc.constantFrom('', ':', ':80', ':443', ':8080', ':08080', ':65535', ':65536', ':0', ':x');
const pathPiece = fc.constantFrom(
  'a', 'B', '.', '..', '%2e', '%2E.', '.%2e', '...', '.a', 'a.', '%41', '%zz', '%', "'", '"', ' ', '\\', '^', '|', '[', ']',
  '{', '}', '`', '<', '>', '~', '!', '$', '&', '(', '*', '+', ',', ';', '=', ':', '@', 'é', '\t', '\n', '\u0000', '#', '?',
);
const path = fc.array(fc.array(pathPiece, { maxLength: 3 }).map((pieces) => pieces.join('')), { maxLength: 4 })
  .map((segments) => '/' + segments.join('/'));
const queryPiece = fc.constantFrom('a', '=', '&', '/', '?', '%41', '%', "'", '"', ' ', '\\', '^', '|', '[', ']', '{', '}', '`', '<', '>', 'é', '#', '.', '..');
const query = fc.option(fc.array(queryPiece, { maxLength: 5 }).map((pieces) => '?' + pieces.join('')), { nil: '' });
const url = fc.tuple(scheme, hostname, port, fc.oneof(path, fc.constant('')), query).map((parts) => parts.join(''));

describe('splitUrl', () => {
  it('gives the parts URL.parse gives, on generated URLs (fast-check; seed printed on failure)', () => {
    fc.assert(fc.property(url, (candidate) => {
      expect(partsOf(splitUrl(candidate))).toEqual(partsOf(URL.parse(candidate)));
    }), { numRuns: 5000 });
  });

  it('splits by hand what is already serialized (every Fetch Request.url)', () => {
    fc.assert(fc.property(url, (candidate) => {
      const parsed = URL.parse(candidate);
      // A Request cannot carry credentials; hosts other than plain names (IPv6, '(' ...) are left to the parser.
      fc.pre(parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.username && !parsed.password && /^[a-z0-9._-]+$/.test(parsed.hostname));
      const serialized = parsed!.href.replace(/#.*/, '');
      fc.pre(!/\/\.|%2e|xn--|\/[^?]*[\^{}`]/i.test(serialized));
      expect(partsOf(splitCanonical(serialized))).toEqual(partsOf(URL.parse(serialized)));
    }), { numRuns: 2000 });
  });

  it.each([
    ['http://127.0.0.1:8000/hello', { hostname: '127.0.0.1', port: '8000', host: '127.0.0.1:8000', pathname: '/hello', search: '' }],
    ['https://example.test/a/b.txt?x=1&y=%C3%A9', { protocol: 'https:', port: '', pathname: '/a/b.txt', search: '?x=1&y=%C3%A9' }],
    ['http://example.test:80/?', { port: '', host: 'example.test', pathname: '/', search: '' }],
    ['https://api.example.test:443/v1/items;id=3', { port: '', pathname: '/v1/items;id=3' }],
    ['http://example.test/.well-known/a..b/...', { pathname: '/.well-known/a..b/...' }],
  ])('takes %s without the parser', (candidate, expected) => {
    expect(splitCanonical(candidate)).toMatchObject(expected);
  });

  it.each([
    'http://Example.test/', 'http://example.test/a/../b', 'http://example.test/%2e/', 'http://example.test/a b',
    'http://example.test/a\\b', "http://example.test/?a='", 'http://example.test/#top', 'http://[::1]/',
    'http://127.1/', 'http://example.test:080/', 'http://u@example.test/', 'http://example.test', 'ftp://example.test/',
    'http://xn--nxasmq6b.test/', 'http://example.test/é',
  ])('leaves %s to the parser', (candidate) => {
    expect(splitCanonical(candidate)).toBeUndefined();
  });
});
