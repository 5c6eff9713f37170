/**
 * `splitUrl` splits a URL by hand when it is already serialized; whichever way it goes, its parts must
 * be the ones the WHATWG parser gives. Generated URLs mix serialized ones with everything the parser
 * rewrites (dot segments, `\`, spaces, upper case, default and padded ports, IPv4 shorthands, punycode).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitUrl } from '../../src/core/url.ts';

function parsedByUrl(url: string) {
  const parsed = URL.parse(url);
  if (parsed === null) return undefined;
  const { protocol, host, hostname, port, pathname, search } = parsed;
  return { protocol, host, hostname, port, pathname, search };
}

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const segment = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '~', '%', '2', 'e', 'E', '.', ':', '@', '!', '|', '[', '^'), maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom('.', '..', '%2e', '%2E%2e', '.%2E', 'a..b', '...') },
  { weight: 2, arbitrary: fc.string({ unit: printable, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom('é', '\u0000', '\u007f', ' ', '\t') },
);
const path = fc.array(segment, { maxLength: 5 }).map((segments) => '/' + segments.join('/'));
const query = fc.option(fc.string({ unit: fc.oneof(printable, fc.constantFrom('é', '\u007f')), maxLength: 8 }).map((q) => '?' + q), { nil: '' });
const host = fc.oneof(
  fc.constantFrom('example.test', 'localhost', '127.0.0.1', 'a-b.c0', 'Example.TEST', '127.1', '0x7f.0.0.1', '010.0.0.1',
    '1.2.3.256', '[::1]', 'xn--nxasmq6b.test', 'xn--a.test', 'a..b', 'a.', 'exa mple', 'é.test', '256.1.1.1', 'a.0x'),
  fc.string({ unit: fc.constantFrom('a', '0', '-', '.', 'x'), minLength: 1, maxLength: 8 }),
);
const port = fc.constantFrom('', ':80', ':443', ':8080', ':0', ':080', ':65535', ':65536', ':99999', ':');
const scheme = fc.constantFrom('http', 'https', 'HTTP', 'ftp');
const url = fc.tuple(scheme, host, port, path, query).map(([s, h, p, pa, q]) => `${s}://${h}${p}${pa}${q}`);

describe('splitUrl', () => {
  it('gives the parser\'s parts for any URL, serialized or not', () => {
    fc.assert(fc.property(url, (candidate) => {
      expect(splitUrl(candidate)).toEqual(parsedByUrl(candidate));
    }), { numRuns: 5000 });
  });

  it('gives the parser\'s parts for what the parser itself serialized (the Request.url case)', () => {
    fc.assert(fc.property(url, (candidate) => {
      const href = URL.parse(candidate)?.href;
      if (href === undefined) return;
      expect(splitUrl(href)).toEqual(parsedByUrl(href));
    }), { numRuns: 5000 });
  });

  it('splits serialized URLs by hand', () => {
    expect(splitUrl('https://example.test:8443/a/b%20c?x=1&y')).toEqual({
      protocol: 'https:', host: 'example.test:8443', hostname: 'example.test', port: '8443', pathname: '/a/b%20c', search: '?x=1&y',
    });
    expect(splitUrl('http://example.test:80/?')).toEqual({
      protocol: 'http:', host: 'example.test', hostname: 'example.test', port: '', pathname: '/', search: '',
    });
  });

  it('resolves what the parser resolves', () => {
    expect(splitUrl('http://Example.TEST/a/%2e%2E/b/./c\\d e?q r#frag')).toMatchObject({
      hostname: 'example.test', pathname: '/b/c/d%20e', search: '?q%20r',
    });
    expect(splitUrl('http://127.1:0080/')).toMatchObject({ hostname: '127.0.0.1', port: '', host: '127.0.0.1' });
  });

  it('answers undefined for what is not a URL', () => {
    expect(splitUrl('http://exa mple/')).toBeUndefined();
    expect(splitUrl('/relative')).toBeUndefined();
    expect(splitUrl('http://a:99999/')).toBeUndefined();
  });
});
