/**
 * The hand split of serialized URLs (src/core/url.ts) against the WHATWG parser itself: on generated
 * URLs made of the pieces that make the parser rewrite something, both must give the same origin and
 * path, the query and target must be the string's own (never re-encoded), and the hand split must take
 * the URLs it is there for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toNative } from '../../src/core/native-string.ts';
import { splitCanonical, splitUrl } from '../../src/core/url.ts';

/** The parts the parser decides: where the URL goes, and the path that becomes PATH_INFO. */
const PART_NAMES = ['protocol', 'hostname', 'port', 'host', 'pathname'] as const;
type Parts = Partial<Record<(typeof PART_NAMES)[number] | 'search', string>>;
const partsOf = (parts: Parts | null | undefined) =>
  parts ? Object.fromEntries(PART_NAMES.map((name) => [name, parts[name]])) : parts;

/** The query as written after the origin: from the first `?` of `rest` to any `#`, `''` for none or a bare `?`. */
function searchAsWritten(rest: string): string {
  const query = rest.split('#')[0]!;
  const start = query.indexOf('?');
  return start === -1 || start === query.length - 1 ? '' : toNative(query.slice(start));
}

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
const pieces = fc.tuple(scheme, hostname, port, fc.oneof(path, fc.constant('')), query);
const url = pieces.map((parts) => parts.join(''));

describe('splitUrl', () => {
  it('gives the origin and path URL.parse gives, and the query as written, on generated URLs (fast-check; seed printed on failure)', () => {
    fc.assert(fc.property(pieces, ([schemePart, host, portPart, pathPart, queryPart]) => {
      const candidate = schemePart + host + portPart + pathPart + queryPart;
      const parts = splitUrl(candidate);
      expect(partsOf(parts)).toEqual(partsOf(URL.parse(candidate)));
      if (parts !== null) {
        expect(parts.search).toBe(searchAsWritten(pathPart + queryPart));
        expect(parts.target.endsWith(parts.search)).toBe(true);
      }
    }), { numRuns: 5000 });
  });

  it.each([
    ['http://h/e?q="\'<>`{|}^\\x', '?q="\'<>`{|}^\\x', '/e?q="\'<>`{|}^\\x'],
    ['http://h/a"b\\c?x=%zz&y=a b#frag', '?x=%zz&y=a b', '/a"b\\c?x=%zz&y=a b'],
    // A string wider than latin-1 is text: all of it becomes its UTF-8 bytes (toNative).
    ['http://h/a/../b?\u20ac\u00e9', '?\u00e2\u0082\u00ac\u00c3\u00a9', '/a/../b?\u00e2\u0082\u00ac\u00c3\u00a9'],
    ['http://h?x=1', '?x=1', '/?x=1'],
    ['http://h/p?', '', '/p?'],
  ])('keeps the query and target of %j as written (native strings)', (candidate, search, target) => {
    expect(splitUrl(candidate)).toMatchObject({ search, target });
  });

  it('splits by hand what is already serialized (every Fetch Request.url)', () => {
    fc.assert(fc.property(url, (candidate) => {
      const parsed = URL.parse(candidate);
      // A Request cannot carry credentials; hosts other than plain names (IPv6, '(' ...) are left to the parser.
      fc.pre(parsed !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.username && !parsed.password && /^[a-z0-9._-]+$/.test(parsed.hostname));
      const serialized = parsed!.href.replace(/#.*/, '');
      fc.pre(!/\/\.|%2e|xn--|\/[^?]*[\^{}`]/i.test(serialized));
      const split = splitCanonical(serialized);
      expect(partsOf(split)).toEqual(partsOf(URL.parse(serialized)));
      expect(split?.search).toBe(URL.parse(serialized)!.search);
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
