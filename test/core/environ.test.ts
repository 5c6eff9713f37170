import { describe, expect, it } from 'vitest';
import { buildEnviron, handle, type Environ } from '../../src/index.ts';

function environOf(target: string, init: RequestInit = {}, options = {}): Environ {
  return buildEnviron(new Request(new URL(target, 'http://example.test'), init), options);
}

describe('environ: CGI keys', () => {
  it.each([
    // target, PATH_INFO, QUERY_STRING, RAW_URI
    ['/', '/', '', '/'],
    ['/a/b?x=1&y=2', '/a/b', 'x=1&y=2', '/a/b?x=1&y=2'],
    ['/caf%C3%A9', '/caf\u00c3\u00a9', '', '/caf%C3%A9'],
    ['/caf%c3%a9', '/caf\u00c3\u00a9', '', '/caf%c3%a9'],
    ['/%E9', '/\u00e9', '', '/%E9'],
    ['/a%2Fb', '/a/b', '', '/a%2Fb'],
    ['/a%3Fb?q', '/a?b', 'q', '/a%3Fb?q'],
    ['/100%', '/100%', '', '/100%'],
    ['/%zz%4', '/%zz%4', '', '/%zz%4'],
    ['/sp%20ace', '/sp ace', '', '/sp%20ace'],
    ['/?', '/', '', '/?'],
    ['/x?a=%C3%A9', '/x', 'a=%C3%A9', '/x?a=%C3%A9'],
  ])('%s → PATH_INFO %j, QUERY_STRING %j', (target, pathInfo, query, rawUri) => {
    const environ = environOf(target);
    expect(environ.PATH_INFO).toBe(pathInfo);
    expect(environ.QUERY_STRING).toBe(query);
    expect(environ.RAW_URI).toBe(rawUri);
    expect(environ.SCRIPT_NAME).toBe('');
  });

  it('uses the raw URI the platform gives', () => {
    expect(environOf('/b', {}, { rawUri: '/a/../b' }).RAW_URI).toBe('/a/../b');
  });

  it('takes QUERY_STRING from the URL as written, never re-encoded, without a fragment; RAW_URI from the raw URI', () => {
    const rawUri = '/e?q="\'<>`{|}^\\\u00e9#frag';
    const environ = buildEnviron({ method: 'GET', url: 'http://example.test' + rawUri, headers: new Headers(), body: null }, { rawUri });
    expect(environ).toMatchObject({ QUERY_STRING: 'q="\'<>`{|}^\\\u00e9', RAW_URI: rawUri, PATH_INFO: '/e' });
  });

  it('takes QUERY_STRING and RAW_URI from a URL string as written when no raw URI is given (Deno gives one so)', () => {
    const environ = buildEnviron({ method: 'GET', url: 'http://example.test/a"b?q="x" <y>', headers: new Headers(), body: null });
    expect(environ).toMatchObject({ QUERY_STRING: 'q="x" <y>', RAW_URI: '/a"b?q="x" <y>', PATH_INFO: '/a"b' });
  });

  it('gives SERVER_PROTOCOL as the platform reports it, HTTP/1.1 when it does not', () => {
    expect(environOf('/', {}, { serverProtocol: 'HTTP/1.0' }).SERVER_PROTOCOL).toBe('HTTP/1.0');
    expect(environOf('/').SERVER_PROTOCOL).toBe('HTTP/1.1');
  });

  it('gives method, server and protocol keys, defaulting the port by scheme', () => {
    const http = environOf('/');
    expect(http).toMatchObject({
      REQUEST_METHOD: 'GET',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '80',
      SERVER_PROTOCOL: 'HTTP/1.1',
      HTTP_HOST: 'example.test',
      'wsgi.url_scheme': 'http',
    });
    const https = buildEnviron(new Request('https://example.test:8443/x', { method: 'DELETE' }));
    expect(https).toMatchObject({ REQUEST_METHOD: 'DELETE', SERVER_PORT: '8443', 'wsgi.url_scheme': 'https', HTTP_HOST: 'example.test:8443' });
    expect(buildEnviron(new Request('https://example.test/')).SERVER_PORT).toBe('443');
  });

  it('prefers the Host header for HTTP_HOST', () => {
    expect(environOf('/', { headers: { host: 'other.test:81' } }).HTTP_HOST).toBe('other.test:81');
  });

  it.each([
    ['joined by Fetch', [['host', 'localhost'], ['host', 'evil.example.com']]],
    ['as one line', [['host', 'localhost,evil.example.com']]],
  ])('refuses more than one Host (%s): RFC 9112 §3.2', (_how, pairs) => {
    const headers = new Headers(pairs as [string, string][]);
    expect(() => buildEnviron({ method: 'GET', url: 'http://example.test/', headers, body: null })).toThrow(/more than one Host header/);
  });

  it('refuses CONNECT: a WSGI app gives no tunnel', () => {
    expect(() => buildEnviron({ method: 'CONNECT', url: 'http://example.test:443', headers: new Headers(), body: null })).toThrow(/CONNECT/);
  });

  it('has CONTENT_TYPE and CONTENT_LENGTH only when sent, never as HTTP_CONTENT_*', () => {
    const bare = environOf('/');
    expect('CONTENT_TYPE' in bare).toBe(false);
    expect('CONTENT_LENGTH' in bare).toBe(false);
    const posted = environOf('/', { method: 'POST', body: 'abc', headers: { 'content-type': 'text/plain' } });
    expect(posted.CONTENT_TYPE).toBe('text/plain');
    expect(posted.HTTP_CONTENT_TYPE).toBeUndefined();
    expect(posted.HTTP_CONTENT_LENGTH).toBeUndefined();
    const sized = environOf('/', { method: 'POST', body: 'abc', headers: { 'content-length': '3' } });
    expect(sized.CONTENT_LENGTH).toBe('3');
  });

  it('maps headers to HTTP_* and drops names with an underscore', () => {
    const environ = environOf('/', {
      headers: [
        ['X-Forwarded-For', '10.0.0.1'],
        ['x_forwarded_for', '6.6.6.6'],
        ['Accept-Language', 'en'],
        ['X-Many', 'a'],
        ['X-Many', 'b'],
        ['Cookie', 'a=1'],
      ],
    });
    expect(environ.HTTP_X_FORWARDED_FOR).toBe('10.0.0.1');
    expect(environ.HTTP_ACCEPT_LANGUAGE).toBe('en');
    expect(environ.HTTP_X_MANY).toBe('a, b');
    expect(environ.HTTP_COOKIE).toBe('a=1');
    expect(Object.values(environ)).not.toContain('6.6.6.6');
  });

  it('keeps hop-by-hop framing headers out of the environ', () => {
    const environ = environOf('/', { headers: { connection: 'keep-alive', te: 'trailers', upgrade: 'h2c', 'keep-alive': '5' } });
    expect(Object.keys(environ).filter((key) => key.startsWith('HTTP_'))).toEqual(['HTTP_HOST']);
  });

  it('gives header values as native strings', () => {
    const environ = environOf('/', { headers: { 'x-latin': 'caf\u00e9' } });
    expect(environ.HTTP_X_LATIN).toBe('caf\u00e9');
    for (const [key, value] of Object.entries(environ)) {
      if (!key.includes('.') && typeof value === 'string') expect(value).toMatch(/^[\x00-\xff]*$/);
    }
  });

  it('has the wsgi.* keys PEP 3333 requires', () => {
    const request = new Request('http://example.test/');
    const environ = buildEnviron(request);
    expect(environ['wsgi.version']).toEqual([1, 0]);
    expect(environ['wsgi.multithread']).toBe(false);
    expect(environ['wsgi.multiprocess']).toBe(true);
    expect(environ['wsgi.run_once']).toBe(false);
    expect(environ['wsgi.input_terminated']).toBe(true);
    expect(environ['wsgi_edge.request']).toBe(request);
    expect(typeof environ['wsgi.input'].read).toBe('function');
    expect(typeof environ['wsgi.errors'].write).toBe('function');
  });

  it('sets REMOTE_ADDR only when the platform knows it, and merges extra keys', () => {
    expect('REMOTE_ADDR' in environOf('/')).toBe(false);
    const environ = environOf('/', {}, { remoteAddr: '192.0.2.7', environ: { 'myapp.config': 42 } });
    expect(environ.REMOTE_ADDR).toBe('192.0.2.7');
    expect(environ['myapp.config']).toBe(42);
  });

  it('never contains the process environment', () => {
    process.env.WSGI_EDGE_SECRET_PROBE = 'do-not-leak';
    try {
      expect(JSON.stringify(Object.entries(environOf('/')))).not.toContain('do-not-leak');
    } finally {
      delete process.env.WSGI_EDGE_SECRET_PROBE;
    }
  });
});

describe('environ: scriptName', () => {
  it.each([
    ['/api', '/api/users', '/api', '/users'],
    ['/api/', '/api/users', '/api', '/users'],
    ['/api', '/api', '/api', ''],
    ['/api', '/api/', '/api', '/'],
    ['/', '/x', '', '/x'],
    ['/caf\u00c3\u00a9', '/caf%C3%A9/x', '/caf\u00c3\u00a9', '/x'],
  ])('scriptName %j, %s → SCRIPT_NAME %j, PATH_INFO %j', (scriptName, target, script, path) => {
    const environ = environOf(target, {}, { scriptName });
    expect(environ.SCRIPT_NAME).toBe(script);
    expect(environ.PATH_INFO).toBe(path);
  });

  it.each(['/other', '/apix', '/'])('answers 404 for %s outside /api without calling the app', async (target) => {
    let called = false;
    const response = await handle(() => {
      called = true;
      return [];
    }, new Request(new URL(target, 'http://example.test')), { scriptName: '/api' });
    expect(response.status).toBe(404);
    expect(called).toBe(false);
    expect(() => environOf(target, {}, { scriptName: '/api' })).toThrow(RangeError);
  });
});

describe('environ: what the platform adds', () => {
  it('takes REMOTE_ADDR from remoteAddrHeader when no remoteAddr is given, and only then', () => {
    const headers = { 'cf-connecting-ip': '203.0.113.7' };
    expect(environOf('/', { headers }, { remoteAddrHeader: 'cf-connecting-ip' }).REMOTE_ADDR).toBe('203.0.113.7');
    expect(environOf('/', { headers }, { remoteAddrHeader: 'cf-connecting-ip', remoteAddr: '10.0.0.1' }).REMOTE_ADDR).toBe('10.0.0.1');
    expect('REMOTE_ADDR' in environOf('/', { headers })).toBe(false);
  });

  it('keeps a getter among the extras a getter, read only when the app reads it', () => {
    let reads = 0;
    const extras = Object.defineProperty({ plain: 1 }, 'lazy', { enumerable: true, get: () => ++reads });
    const environ = environOf('/', {}, { environ: extras });
    expect(reads).toBe(0);
    expect(environ.plain).toBe(1);
    expect(environ.lazy).toBe(1);
    expect(Object.keys(environ)).toContain('lazy');
  });

  it('adds the platform\'s keys before the caller\'s extras, which may replace one in its place', () => {
    const platformObject = { tag: 'platform' };
    const environ = environOf('/', {}, { platformEnviron: { 'x.platform': platformObject, 'x.shared': 1 }, environ: { 'x.caller': 2, 'x.shared': 3 } });
    expect(environ['x.platform']).toBe(platformObject);
    expect(environ['x.shared']).toBe(3);
    expect(Object.keys(environ).slice(-3)).toEqual(['x.platform', 'x.shared', 'x.caller']);
  });

  it.each([false, true])('puts the platform\'s keys and the extras after the header keys, the environ lazy: %s', (lazyHeaders) => {
    const environ = environOf('/', { headers: { 'x-one': '1' } }, { lazyHeaders, platformEnviron: { 'x.platform': 0 }, environ: { 'x.caller': 1 } });
    const keys = Object.keys(environ);
    expect(keys.indexOf('HTTP_X_ONE')).toBeGreaterThan(keys.indexOf('SERVER_PROTOCOL'));
    expect(keys.slice(-2)).toEqual(['x.platform', 'x.caller']);
  });
});
