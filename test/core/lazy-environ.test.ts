/**
 * The environ reads request headers only when something asks for a header key (src/core/lazy-environ.ts):
 * whatever the app does first (reads a ground key, mutates, enumerates, prints), it must then see exactly
 * the keys, values and order an environ built eagerly has, and behave as a plain object does.
 * @module
 */

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildEnviron, handle, type Environ, type StartResponse } from '../../src/index.ts';
import type { GatewayOptions, RequestHeaders } from '../../src/core/types.ts';
import { filledEnviron } from '../../src/core/lazy-environ.ts';
import { listingEnviron, respond } from '../../src/core/gateway.ts';
import { validator } from '../../src/wsgiref/validate.ts';

const GROUND = [
  'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'QUERY_STRING', 'RAW_URI', 'SERVER_NAME', 'SERVER_PORT',
  'wsgi.version', 'wsgi.url_scheme', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess',
  'wsgi.run_once', 'wsgi.input_terminated', 'wsgi.file_wrapper', 'wsgi_edge.request', 'SERVER_PROTOCOL',
];
/** The eager build's order: ground keys, one key per header as sent, the fallback Host, the peer, the extras. */
const EXPECTED_KEYS = [...GROUND, 'HTTP_X_B', 'CONTENT_TYPE', 'HTTP_ACCEPT', 'HTTP_X_MANY', 'HTTP_HOST', 'REMOTE_ADDR', 'myapp.config', 'myapp.lazy'];
const EXPECTED_HEADER_VALUES = { HTTP_X_B: 'b', CONTENT_TYPE: 'text/plain', HTTP_ACCEPT: '*/*', HTTP_X_MANY: '1, 2', HTTP_HOST: 'example.test', REMOTE_ADDR: '192.0.2.7' };

/** Request headers that count how often the gateway reads them. */
class CountingHeaders implements RequestHeaders {
  gets: string[] = [];
  passes = 0;
  constructor(readonly pairs: [string, string][]) {}
  get(name: string): string | null {
    this.gets.push(name);
    const values = this.pairs.filter(([key]) => key === name).map(([, value]) => value);
    return values.length ? values.join(', ') : null;
  }
  forEach(callback: (value: string, name: string) => void): void {
    this.passes++;
    for (const [name, value] of this.pairs) callback(value, name);
  }
}

function lazyEnviron(options: GatewayOptions = {}): { environ: Environ; headers: CountingHeaders } {
  const headers = new CountingHeaders([['x-b', 'b'], ['content-type', 'text/plain'], ['accept', '*/*'], ['x-many', '1'], ['x-many', '2']]);
  const extras = Object.defineProperty({ 'myapp.config': 42 }, 'myapp.lazy', { enumerable: true, configurable: true, get: () => 'got' });
  const environ = buildEnviron(
    { method: 'GET', url: 'http://example.test/p?q=1', headers, body: null },
    { remoteAddr: '192.0.2.7', environ: extras, lazyHeaders: true, ...options },
  );
  return { environ, headers };
}

describe('lazy environ: what the app sees', () => {
  it.each<[string, (environ: Environ) => unknown]>([
    ['lists the keys first', (environ) => Object.keys(environ)],
    ['reads a ground key, then lists', (environ) => environ.PATH_INFO],
    ['reads a header key first', (environ) => environ.HTTP_ACCEPT],
    ['tests a header key with in', (environ) => 'HTTP_ACCEPT' in environ],
    ['tests an absent header key with in', (environ) => 'HTTP_ABSENT' in environ],
    ['serializes it', (environ) => JSON.stringify(environ)],
    ['spreads it', (environ) => ({ ...environ })],
    ['iterates it with for-in', (environ) => { for (const key in environ) void key; }],
    ['prints it', (environ) => inspect(environ)],
    ['reads a getter among the extras', (environ) => environ['myapp.lazy']],
    ['replaces a ground key', (environ) => { environ.QUERY_STRING = 'q=1'; }],
  ])('%s: then every key, in the eager order, with its value', (_what, first) => {
    const { environ } = lazyEnviron();
    first(environ);
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect({ ...environ }).toMatchObject({ ...EXPECTED_HEADER_VALUES, PATH_INFO: '/p', QUERY_STRING: 'q=1', 'myapp.config': 42, 'myapp.lazy': 'got' });
    expect(Object.entries(environ).map(([key]) => key)).toEqual(EXPECTED_KEYS);
    const copy = JSON.parse(JSON.stringify(environ)) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(EXPECTED_KEYS.filter((key) => !['wsgi.file_wrapper'].includes(key)));
  });

  it('is the environ an eager build gives, key for key and value for value, whatever is asked first', () => {
    const eager = lazyEnviron().environ;
    void eager.HTTP_HOST;
    const lazy = lazyEnviron().environ;
    void lazy.PATH_INFO;
    const entries = (environ: Environ) => Object.entries(environ).filter(([key]) => !['wsgi.input', 'wsgi.errors', 'wsgi_edge.request'].includes(key));
    expect(entries(lazy)).toEqual(entries(eager));
    expect(Object.getOwnPropertyDescriptor(lazy, 'myapp.lazy')?.get).toBeTypeOf('function');
  });

  it('prints every key: console.log and inspect show the header keys too', () => {
    const { environ } = lazyEnviron();
    const printed = inspect(environ);
    for (const key of ['HTTP_ACCEPT', 'CONTENT_TYPE', 'REMOTE_ADDR', 'PATH_INFO', 'myapp.config']) expect(printed).toContain(key);
    expect(printed).toContain("'1, 2'");
  });

  it('looks like a plain object: its prototype is Object.prototype, and no extra key shows', () => {
    const { environ } = lazyEnviron();
    expect(Object.getPrototypeOf(environ)).toBe(Object.prototype);
    expect(Reflect.ownKeys(environ)).toEqual(EXPECTED_KEYS);
    expect(Object.getOwnPropertySymbols(environ)).toEqual([]);
  });
});

describe('filledEnviron: the whole environ for a caller that lists every key (the Python bridge)', () => {
  it('is a plain object with every key, in the eager order, with the values the Proxy gives, headers read once', () => {
    const { environ, headers } = lazyEnviron();
    const filled = filledEnviron(environ);
    expect(filled).not.toBe(environ);
    expect(Reflect.ownKeys(filled)).toEqual(EXPECTED_KEYS);
    expect(Object.entries(filled)).toEqual(Object.entries(environ));
    expect(filled).toMatchObject({ ...EXPECTED_HEADER_VALUES, 'myapp.config': 42, 'myapp.lazy': 'got' });
    expect(headers.passes).toBe(1);
    // The same object as the Proxy's, so what the app changes through the environ is in it.
    environ.QUERY_STRING = 'changed';
    delete environ.HTTP_ACCEPT;
    expect(filledEnviron(environ)).toBe(filled);
    expect(filled.QUERY_STRING).toBe('changed');
    expect('HTTP_ACCEPT' in filled).toBe(false);
  });

  it('is the environ itself when it is no lazy environ of the core: an eager one, a copy, a Proxy around one', () => {
    const eager = lazyEnviron({ lazyHeaders: false }).environ;
    expect(filledEnviron(eager)).toBe(eager);
    const copy = { ...lazyEnviron().environ };
    expect(filledEnviron(copy)).toBe(copy);
    const { environ } = lazyEnviron();
    const wrapped = new Proxy(environ, { get: (target, key, receiver) => (key === 'PATH_INFO' ? '/wrapped' : Reflect.get(target, key, receiver)) });
    expect(filledEnviron(wrapped)).toBe(wrapped);
    expect(filledEnviron(wrapped).PATH_INFO).toBe('/wrapped');
  });
});

describe('lazy environ: mutation behaves as on a plain object', () => {
  it('puts a key the app adds after every key the gateway gave, the header keys included', () => {
    const { environ } = lazyEnviron();
    environ['myapp.added'] = 1;
    Object.defineProperty(environ, 'myapp.defined', { value: 2, enumerable: true, configurable: true, writable: true });
    expect(Object.keys(environ)).toEqual([...EXPECTED_KEYS, 'myapp.added', 'myapp.defined']);
    expect(environ['myapp.added']).toBe(1);
    expect(environ['myapp.defined']).toBe(2);
  });

  it('replaces a ground key in place without reading the headers', () => {
    const { environ, headers } = lazyEnviron();
    environ.PATH_INFO = '/other';
    expect(headers.passes).toBe(0);
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect(environ.PATH_INFO).toBe('/other');
  });

  it('replaces a header key in place, with the value the app gave', () => {
    const { environ } = lazyEnviron();
    environ.HTTP_ACCEPT = 'text/html';
    expect(environ.HTTP_ACCEPT).toBe('text/html');
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
  });

  it('deletes a header key, a ground key and an extra, before or after the headers are read', () => {
    const { environ } = lazyEnviron();
    // As an app that treats the environ as a dict would: any key may go.
    const loose = environ as Record<string, unknown>;
    expect(delete environ.HTTP_X_B).toBe(true);
    expect(delete loose.SCRIPT_NAME).toBe(true);
    expect(delete environ['myapp.config']).toBe(true);
    expect('HTTP_X_B' in environ).toBe(false);
    expect(environ.HTTP_X_B).toBeUndefined();
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS.filter((key) => !['HTTP_X_B', 'SCRIPT_NAME', 'myapp.config'].includes(key)));
    const other: Record<string, unknown> = lazyEnviron().environ;
    expect(delete other.SCRIPT_NAME).toBe(true);
    expect(Object.keys(other)).toEqual(EXPECTED_KEYS.filter((key) => key !== 'SCRIPT_NAME'));
    environ.SCRIPT_NAME = '/back';
    expect(Object.keys(environ).at(-1)).toBe('SCRIPT_NAME');
  });

  it.each([['freezes', Object.freeze], ['seals', Object.seal], ['prevents extensions of', Object.preventExtensions]])('%s it as it would a plain object, with the header keys in', (_how, lock) => {
    const { environ } = lazyEnviron();
    lock(environ);
    expect(Object.isExtensible(environ)).toBe(false);
    expect(environ.HTTP_ACCEPT).toBe('*/*');
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect(() => {
      environ['myapp.late'] = 1;
    }).toThrow(TypeError);
  });

  it('reads a getter among the extras with the environ as this, and lets it replace itself', () => {
    const extras = Object.defineProperty({}, 'myapp.once', {
      enumerable: true,
      configurable: true,
      get(this: Environ) {
        const value = `path ${this.PATH_INFO}, host ${this.HTTP_HOST}`;
        Object.defineProperty(this, 'myapp.once', { value, enumerable: true, configurable: true, writable: true });
        return value;
      },
    });
    const environ = buildEnviron({ method: 'GET', url: 'http://example.test/p', headers: new Headers({ host: 'h.test' }), body: null }, { environ: extras, lazyHeaders: true });
    expect(environ['myapp.once']).toBe('path /p, host h.test');
    expect(Object.getOwnPropertyDescriptor(environ, 'myapp.once')?.value).toBe('path /p, host h.test');
    expect(Object.keys(environ)).toEqual([...GROUND, 'HTTP_HOST', 'myapp.once']);
  });
});

describe('lazy environ: what is read, and when', () => {
  it('reads no header while the app reads only ground keys, and all of them once it asks for one', () => {
    const { environ, headers } = lazyEnviron({ framingChecked: true });
    expect([environ.REQUEST_METHOD, environ.PATH_INFO, environ.QUERY_STRING, environ.SERVER_NAME, environ['myapp.config']]).toEqual(['GET', '/p', 'q=1', 'example.test', 42]);
    expect(environ['not.there']).toBeUndefined();
    expect(headers.gets).toEqual([]);
    expect(headers.passes).toBe(0);
    expect(environ.CONTENT_TYPE).toBe('text/plain');
    expect(environ.HTTP_X_MANY).toBe('1, 2');
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect(headers.passes).toBe(1);
  });

  it('asks a remoteAddr given as a function only when the environ gets its REMOTE_ADDR', () => {
    let asked = 0;
    const remoteAddr = () => {
      asked++;
      return '198.51.100.9';
    };
    const { environ } = lazyEnviron({ remoteAddr, framingChecked: true });
    expect(environ.PATH_INFO).toBe('/p');
    expect(asked).toBe(0);
    expect(environ.REMOTE_ADDR).toBe('198.51.100.9');
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect(asked).toBe(1);
    expect('REMOTE_ADDR' in lazyEnviron({ remoteAddr: () => undefined }).environ).toBe(false);
    expect(lazyEnviron({ remoteAddr, lazyHeaders: false }).environ.REMOTE_ADDR).toBe('198.51.100.9');
  });

  it('without lazyHeaders, reads the headers at once (one pass) and gives the same environ', () => {
    const { environ, headers } = lazyEnviron({ lazyHeaders: false });
    expect(headers.passes).toBe(1);
    expect(headers.gets).toEqual([]);
    expect(Object.keys(environ)).toEqual(EXPECTED_KEYS);
    expect(Object.getOwnPropertySymbols(environ)).toEqual([]);
    expect(environ).toMatchObject(EXPECTED_HEADER_VALUES);
  });

  it('builds the environ at once for an app marked as listing it (the Python bridge), the same environ the lazy one fills to', async () => {
    const seen: { keys: string[]; passes: number; symbols: symbol[]; values: Record<string, unknown> }[] = [];
    const app = (environ: Environ, startResponse: StartResponse) => {
      const passes = headers.passes;
      seen.push({ keys: Object.keys(environ), passes, symbols: Object.getOwnPropertySymbols(environ), values: { ...environ } });
      startResponse('200 OK', []);
      return [];
    };
    const headers = new CountingHeaders([['x-b', 'b'], ['content-type', 'text/plain'], ['accept', '*/*'], ['x-many', '1'], ['x-many', '2']]);
    const request = { method: 'GET', url: 'http://example.test/p?q=1', headers, body: null };
    const extras = Object.defineProperty({ 'myapp.config': 42 }, 'myapp.lazy', { enumerable: true, configurable: true, get: () => 'got' });
    const options = { remoteAddr: '192.0.2.7', environ: extras, lazyHeaders: true, framingChecked: true };
    await respond(app, request, options);
    expect(seen[0]!.passes).toBe(0);
    await respond(listingEnviron((environ: Environ, startResponse: StartResponse) => app(environ, startResponse)), request, options);
    expect(seen[1]!.passes).toBe(2);
    expect(seen[1]!.keys).toEqual(EXPECTED_KEYS);
    expect(seen[1]!.keys).toEqual(seen[0]!.keys);
    expect(seen[1]!.symbols).toEqual([]);
    expect(seen[1]!.values).toMatchObject({ ...EXPECTED_HEADER_VALUES, 'myapp.config': 42, 'myapp.lazy': 'got' });
  });

  it('reads only Content-Length and Host before the app where the platform does not check framing itself', () => {
    const { environ, headers } = lazyEnviron();
    expect(environ.PATH_INFO).toBe('/p');
    expect(headers.gets.sort()).toEqual(['content-length', 'host']);
    expect(headers.passes).toBe(0);
  });

  it('gives the header keys their values when the app reads them after the body', async () => {
    let seen: unknown[] = [];
    const app = async (environ: Environ, startResponse: StartResponse) => {
      const body = await environ['wsgi.input'].read();
      seen = [new TextDecoder().decode(body), environ.CONTENT_TYPE, environ.CONTENT_LENGTH, environ.HTTP_X_LATE, environ.HTTP_HOST];
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [Object.keys(environ).filter((key) => /^(HTTP_|CONTENT_)/.test(key)).join(' ')];
    };
    const request = new Request('http://example.test/post', {
      method: 'POST', body: 'hello body', headers: { 'content-type': 'text/x-test', 'content-length': '10', 'x-late': 'late value' },
    });
    const response = await handle(app, request, { lazyHeaders: true });
    expect(seen).toEqual(['hello body', 'text/x-test', '10', 'late value', 'example.test']);
    expect(await response.text()).toBe('CONTENT_LENGTH CONTENT_TYPE HTTP_X_LATE HTTP_HOST');
  });

  it.each([false, true])('lazyHeaders %s: still refuses a malformed Content-Length or a second Host without the platform check, before the app runs', async (lazyHeaders) => {
    const refusedBy = async (headers: [string, string][], more: GatewayOptions = {}) => {
      const options = { lazyHeaders, ...more };
      let called = false;
      const response = await handle((_environ, startResponse) => {
        called = true;
        startResponse('200 OK', []);
        return [];
      }, { method: 'GET', url: 'http://example.test/', headers: new Headers(headers), body: null } as unknown as Request, options);
      return { status: response.status, called };
    };
    expect(await refusedBy([['content-length', 'x1']])).toEqual({ status: 400, called: false });
    expect(await refusedBy([['host', 'a.test'], ['host', 'b.test']])).toEqual({ status: 400, called: false });
    expect(await refusedBy([['content-length', '99'], ['host', 'a.test'], ['host', 'b.test']], { maxBodyBytes: 10 })).toEqual({ status: 413, called: false });
    // Where the platform's parser has refused those already, a request without a body is taken as it comes.
    expect(await refusedBy([['content-length', 'x1']], { framingChecked: true })).toEqual({ status: lazyHeaders ? 200 : 400, called: lazyHeaders });
  });

  it('with framingChecked, still refuses a Host with a comma in the URL, and a body over the limit', async () => {
    const options = { lazyHeaders: true, framingChecked: true };
    expect(() => buildEnviron({ method: 'GET', url: 'http://a.test,b.test/', headers: new Headers(), body: null }, options)).toThrow(/more than one Host header/);
    const body = new Uint8Array(20);
    expect(() => buildEnviron({ method: 'POST', url: 'http://a.test/', headers: new Headers({ 'content-length': '20' }), body }, { ...options, maxBodyBytes: 10 })).toThrow(/exceeds maxBodyBytes/);
    expect(() => buildEnviron({ method: 'POST', url: 'http://a.test/', headers: new Headers({ 'content-length': 'x' }), body }, options)).toThrow(/malformed Content-Length/);
  });

  it('reads the forwarded headers at once when trustProxy is set, since they change ground keys', () => {
    const headers = new CountingHeaders([['x-forwarded-proto', 'https'], ['x-forwarded-for', '198.51.100.1']]);
    const environ = buildEnviron({ method: 'GET', url: 'http://example.test/', headers, body: null }, { remoteAddr: '10.0.0.1', trustProxy: 1, lazyHeaders: true });
    expect(headers.passes).toBe(1);
    expect(environ['wsgi.url_scheme']).toBe('https');
    expect(environ.REMOTE_ADDR).toBe('198.51.100.1');
    expect(Object.keys(environ).slice(GROUND.length)).toEqual(['HTTP_X_FORWARDED_PROTO', 'HTTP_X_FORWARDED_FOR', 'HTTP_HOST', 'REMOTE_ADDR', 'wsgi_edge.peer_addr']);
  });

  it('passes wsgiref.validate, read lazily or enumerated first', async () => {
    for (const enumerate of [false, true]) {
      const app = validator((environ: Environ, startResponse: StartResponse) => {
        if (enumerate) void Object.keys(environ);
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return [String(environ.HTTP_ACCEPT)];
      });
      const response = await handle(app, new Request('http://example.test/v', { headers: { accept: 'text/plain' } }), { lazyHeaders: true });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('text/plain');
    }
  });
});
