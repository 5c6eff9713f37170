import { describe, expect, it } from 'vitest';
import { dispatch, prepareDispatch } from '../../src/core/gateway.ts';
import { handle as cloudflareHandle } from '../../src/targets/cloudflare/index.ts';
import { handle as denoHandle } from '../../src/targets/deno/index.ts';
import { handle, toResponse, type StartResponse, type WsgiApp } from '../../src/index.ts';
import { call, callText, closeTracker, sleep } from '../helpers/call.ts';

const ok = (startResponse: StartResponse, headers: Array<[string, string]> = []) =>
  startResponse('200 OK', [['Content-Type', 'text/plain'], ...headers]);

describe('status and headers', () => {
  it('sends the status, reason and headers the app gave, repeated Set-Cookie kept apart', async () => {
    const { response, text } = await callText((_, startResponse) => {
      startResponse('201 Created Here', [['X-One', '1'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
      return ['made'];
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Created Here');
    expect(response.headers.get('x-one')).toBe('1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(text).toBe('made');
  });

  it.each([
    ['200', 'Status must be three digits'],
    ['200OK', 'Status must be three digits'],
    [' 200 OK', 'Status must be three digits'],
    ['2000 OK', 'Status must be three digits'],
    ['200 OK\r\nX-Injected: 1', 'Status must be three digits'],
    ['200 OK\n', 'Status must be three digits'],
    ['099 Low', 'Status must be three digits'],
    ['101 Switching Protocols', 'Status must be 200 to 599'],
    ['600 Odd', 'Status must be three digits'],
  ])('a bad status %j is the app error: 500 and a log line', async (status, message) => {
    const { response, text, log } = await callText((_, startResponse) => {
      startResponse(status, []);
      return ['never'];
    });
    expect(response.status).toBe(500);
    expect(text).toBe('A server error occurred.  Please contact the administrator.');
    expect(log.join('\n')).toContain(message);
    expect(log.join('\n')).toContain(JSON.stringify(status));
  });

  it.each([
    [[['X-Bad', 'a\r\nSet-Cookie: evil=1']], 'latin-1 value without control characters'],
    [[['X-Bad', 'line\nfeed']], 'latin-1 value without control characters'],
    [[['X-Bad', 'nul\u0000']], 'latin-1 value without control characters'],
    [[['X-Bad', 'wide \u20ac']], 'latin-1 value without control characters'],
    [[['Bad Name', 'v']], 'Header name must be an HTTP token'],
    [[['Bad:Name', 'v']], 'Header name must be an HTTP token'],
    [[['X-Evil\r\n', 'v']], 'Header name must be an HTTP token'],
    [[['', 'v']], 'Header name must be an HTTP token'],
    [[['Connection', 'close']], 'Hop-by-hop header "Connection"'],
    [[['Transfer-Encoding', 'chunked']], 'Hop-by-hop header "Transfer-Encoding"'],
    [[['keep-alive', '5']], 'Hop-by-hop header "keep-alive"'],
    [[['Upgrade', 'h2c']], 'Hop-by-hop header "Upgrade"'],
    [[['X-Only-Name']], 'Each header must be a [name, value] pair'],
    [[['X-Num', 5]], 'latin-1 value without control characters'],
    [{ 'X-Object': '1' }, 'Headers must be an array'],
    [[['Content-Length', 'ten']], 'Content-Length must be a non-negative integer'],
  ])('bad headers %j are the app error: 500 and a log line', async (headers, message) => {
    const { response, text, log } = await callText((_, startResponse) => {
      startResponse('200 OK', headers as Array<[string, string]>);
      return ['never'];
    });
    expect(response.status).toBe(500);
    expect(text).not.toContain('never');
    expect(log.join('\n')).toContain(message);
  });

  it('allows TAB and latin-1 in header values', async () => {
    const { response } = await call((_, startResponse) => {
      startResponse('200 OK', [['X-Tab', 'a\tb'], ['X-Latin', 'caf\u00e9']]);
      return [];
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-tab')).toBe('a\tb');
  });

  it('lets the app catch startResponse errors and answer another way', async () => {
    const { response, text } = await callText((_, startResponse) => {
      try {
        startResponse('200 OK', [['X-Bad', 'a\nb']]);
      } catch (error) {
        startResponse('400 Bad Request', [['Content-Type', 'text/plain']], error);
        return ['refused'];
      }
      return ['never'];
    });
    expect(response.status).toBe(400);
    expect(text).toBe('refused');
  });
});

describe('deferred headers and excInfo', () => {
  it('lets a generator call startResponse lazily', async () => {
    const app: WsgiApp = function* (_environ, startResponse) {
      yield '';
      startResponse('202 Accepted', [['X-Lazy', 'yes']]);
      yield 'late';
    };
    const { response, text } = await callText(app);
    expect(response.status).toBe(202);
    expect(response.headers.get('x-lazy')).toBe('yes');
    expect(text).toBe('late');
  });

  it('discards the status when the app fails before its first chunk', async () => {
    const { response, text, log } = await callText(function* (_environ, startResponse) {
      ok(startResponse);
      yield '';
      throw new Error('boom before body');
    });
    expect(response.status).toBe(500);
    expect(text).not.toContain('boom');
    expect(log.join('\n')).toContain('boom before body');
    expect(log.join('\n')).toMatch(/at .*gateway\.test\.ts/);
  });

  it('excInfo before headers are sent replaces status and headers', async () => {
    const { response, text } = await callText(function* (_environ, startResponse) {
      startResponse('200 OK', [['X-First', '1']]);
      yield '';
      try {
        throw new Error('inner failure');
      } catch (error) {
        startResponse('503 Service Unavailable', [['X-Second', '2']], error);
      }
      yield 'sorry';
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-first')).toBeNull();
    expect(response.headers.get('x-second')).toBe('2');
    expect(text).toBe('sorry');
  });

  it('excInfo after headers are sent rethrows the original error and aborts the stream', async () => {
    const original = new Error('after headers');
    let rethrown: unknown;
    const tracker = closeTracker();
    const { response, log } = await call((_environ, startResponse) => {
      ok(startResponse);
      return tracker.attach((function* () {
        yield 'first';
        try {
          startResponse('500 Oops', [], original);
        } catch (error) {
          rethrown = error;
          throw error;
        }
      })());
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(rethrown).toBe(original);
    expect(tracker.count).toBe(1);
    expect(log.join('\n')).toContain('after headers');
  });

  it('a second startResponse without excInfo is an error, even after a failed first call', async () => {
    const twice = await callText((_, startResponse) => {
      ok(startResponse);
      startResponse('200 OK', []);
      return ['x'];
    });
    expect(twice.response.status).toBe(500);
    expect(twice.log.join('\n')).toContain('second time without excInfo');

    const afterFailure = await callText((_, startResponse) => {
      try {
        startResponse('bad', []);
      } catch {
        startResponse('200 OK', []);
      }
      return ['x'];
    });
    expect(afterFailure.response.status).toBe(500);
    expect(afterFailure.log.join('\n')).toContain('second time without excInfo');
  });

  it('an app that never calls startResponse is an error', async () => {
    const withBody = await callText(() => ['data']);
    expect(withBody.response.status).toBe(500);
    expect(withBody.log.join('\n')).toContain('without calling startResponse');
    const empty = await callText(() => []);
    expect(empty.response.status).toBe(500);
  });
});

describe('write()', () => {
  it('sends write() chunks before the iterable, in order', async () => {
    const { text } = await callText((_, startResponse) => {
      const write = ok(startResponse);
      write('one,');
      write(new TextEncoder().encode('two,'));
      return ['three'];
    });
    expect(text).toBe('one,two,three');
  });

  it('write() fixes the headers: a later failure aborts instead of answering 500', async () => {
    const { response, log } = await call((_, startResponse) => {
      ok(startResponse)('partial');
      throw new Error('after write');
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('partial');
    await expect(reader.read()).rejects.toThrow('after write');
    expect(log.join('\n')).toContain('after write');
  });

  it('refuses a chunk that is neither bytes nor a string', async () => {
    const { response, log } = await call((_, startResponse) => {
      ok(startResponse)(42 as unknown as string);
      return [];
    });
    expect(response.status).toBe(500);
    expect(log.join('\n')).toContain('Body chunks must be Uint8Array or string (got 42)');
  });
});

describe('bodies', () => {
  it.each<[string, WsgiApp]>([
    ['sync app, array', (_, s) => { ok(s); return ['a', 'b']; }],
    ['async app, array', async (_, s) => { await sleep(1); ok(s); return ['a', 'b']; }],
    ['sync generator', function* (_, s) { ok(s); yield 'a'; yield 'b'; }],
    ['async generator', async function* (_, s) { ok(s); await sleep(1); yield 'a'; yield new TextEncoder().encode('b'); }],
    ['custom iterable', (_, s) => { ok(s); return new Set(['a', 'b']); }],
    ['async iterable object', (_, s) => {
      ok(s);
      return { async *[Symbol.asyncIterator]() { yield 'a'; yield 'b'; } };
    }],
  ])('%s', async (_name, app) => {
    const { response, text } = await callText(app);
    expect(response.status).toBe(200);
    expect(text).toBe('ab');
  });

  it('sends string chunks as UTF-8 and bytes untouched', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const { response } = await call((_, s) => { ok(s); return ['é€', bytes]; });
    const body = new Uint8Array(await response.arrayBuffer());
    expect([...body.subarray(0, 5)]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    expect([...body.subarray(5)]).toEqual([...bytes]);
  });

  it('gives a complete body a Content-Length, a streamed one none', async () => {
    const single = await call((_, s) => { ok(s); return ['hello']; });
    expect(single.response.headers.get('content-length')).toBe('5');
    const streamed = await call(async function* (_, s) { ok(s); yield 'a'; yield 'b'; });
    expect(streamed.response.headers.get('content-length')).toBeNull();
    expect(await streamed.response.text()).toBe('ab');
  });

  it('sends a page of string chunks as UTF-8 with its byte length, and adds no Content-Type the app left out', async () => {
    const { response } = await call((_, s) => { s('200 OK', []); return ['caf\u00e9 ', '\u{1F600}', ' \ud800', new Uint8Array([0x21])]; });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes).toEqual(new Uint8Array([...new TextEncoder().encode('caf\u00e9 \u{1F600} \ufffd'), 0x21]));
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    const strings = await call((_, s) => { s('200 OK', []); return ['caf\u00e9', ' \u{1F600}', ' \ud800']; });
    expect(strings.response.headers.get('content-type')).toBeNull();
    const text = new Uint8Array(await strings.response.arrayBuffer());
    expect(text).toEqual(new TextEncoder().encode('caf\u00e9 \u{1F600} \ufffd'));
    expect(strings.response.headers.get('content-length')).toBe(String(text.length));
  });

  it('pulls a small synchronous iterable on the spot and sends it complete, a large one streamed', async () => {
    const small = await call(function* (_, s) { ok(s); yield 'a'; yield ''; yield 'bc'; });
    expect(small.response.headers.get('content-length')).toBe('3');
    expect(await small.response.text()).toBe('abc');
    const chunk = 'x'.repeat(1024);
    const large = await call(function* (_, s) { ok(s); for (let i = 0; i < 65; i++) yield chunk; });
    expect(large.response.headers.get('content-length')).toBeNull();
    expect(await large.response.text()).toBe(chunk.repeat(65));
  });

  it.each([
    ['a string', () => 'text'],
    ['undefined', () => undefined],
    ['a number', () => 7],
  ])('an app returning %s gets 500', async (_name, result) => {
    const { response, log } = await callText(((_: unknown, s: StartResponse) => { ok(s); return result(); }) as unknown as WsgiApp);
    expect(response.status).toBe(500);
    expect(log.join('\n')).toContain('must return an iterable');
  });

  it('a rejected promise from an async app gets 500 without the message', async () => {
    const { response, text, log } = await callText(async () => { throw new Error('secret detail'); });
    expect(response.status).toBe(500);
    expect(text).not.toContain('secret');
    expect(log.join('\n')).toContain('secret detail');
  });
});

describe('Content-Length the app declares', () => {
  it('drops and logs bytes beyond it (buffered)', async () => {
    const { response, text, log } = await callText((_, s) => { ok(s, [['Content-Length', '3']]); return ['abcdef']; });
    expect(response.headers.get('content-length')).toBe('3');
    expect(text).toBe('abc');
    expect(log.join('\n')).toContain('exceeds the declared Content-Length (3)');
  });

  it('drops and logs bytes beyond it (streamed), and stops the iterable', async () => {
    const tracker = closeTracker();
    let pulledAfterLimit = false;
    const { text, log } = await callText((_, s) => {
      ok(s, [['Content-Length', '4']]);
      return tracker.attach((async function* () { yield 'ab'; yield 'cdef'; pulledAfterLimit = true; yield 'gh'; })());
    });
    expect(text).toBe('abcd');
    expect(pulledAfterLimit).toBe(false);
    expect(tracker.count).toBe(1);
    expect(log.join('\n')).toContain('exceeds the declared Content-Length (4)');
  });

  it('drops and logs bytes beyond it (pulled on the spot), and stops the iterable', async () => {
    const tracker = closeTracker();
    let pulledAfterLimit = false;
    const { response, text, log } = await callText((_, s) => {
      ok(s, [['Content-Length', '4']]);
      return tracker.attach((function* () { yield 'ab'; yield 'cd'; yield 'ef'; pulledAfterLimit = true; yield 'gh'; })());
    });
    expect(text).toBe('abcd');
    expect(response.headers.get('content-length')).toBe('4');
    expect(pulledAfterLimit).toBe(false);
    expect(tracker.count).toBe(1);
    expect(log.join('\n')).toContain('exceeds the declared Content-Length (4)');
  });

  it('a shortfall in a complete body is a 500', async () => {
    const { response, log } = await callText((_, s) => { ok(s, [['Content-Length', '10']]); return ['abc']; });
    expect(response.status).toBe(500);
    expect(log.join('\n')).toContain('declared Content-Length 10 but its body has 3 bytes');
  });

  it('a shortfall in a synchronous body pulled on the spot is a 500', async () => {
    const { response, log } = await callText(function* (_, s) { ok(s, [['Content-Length', '10']]); yield 'abc'; yield 'de'; });
    expect(response.status).toBe(500);
    expect(log.join('\n')).toContain('declared Content-Length 10 but its body has 5 bytes');
  });

  it('a shortfall in a streamed body aborts the stream', async () => {
    const { response, log } = await call(async function* (_, s) { ok(s, [['Content-Length', '10']]); yield 'abc'; yield 'de'; });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('sent 5 bytes');
    expect(log.join('\n')).toContain('declared Content-Length 10 but sent 5 bytes');
  });
});

describe('null-body responses', () => {
  it.each([
    ['GET', '204 No Content'],
    ['GET', '205 Reset Content'],
    ['GET', '304 Not Modified'],
    ['HEAD', '200 OK'],
  ])('%s answered %s has no body, and the iterable is still closed', async (method, status) => {
    const tracker = closeTracker();
    const { response } = await call((_, s) => {
      s(status, [['Content-Type', 'text/plain']]);
      return tracker.attach((function* () { yield 'body that must not be sent'; })());
    }, '/', { method });
    expect(response.status).toBe(Number(status.slice(0, 3)));
    expect(response.body).toBeNull();
    expect(tracker.count).toBe(1);
  });

  it.each([
    ['a list', () => ['body that must not be sent']],
    ['a generator', () => (function* () { yield 'body that must not be sent'; })()],
  ])('goes by the request\'s method, not by a REQUEST_METHOD the app rewrote (%s)', async (_, body) => {
    const rewriting = (to: string): WsgiApp => (environ, s) => {
      environ.REQUEST_METHOD = to;
      ok(s);
      return body();
    };
    const head = await call(rewriting('GET'), '/', { method: 'HEAD' });
    expect(head.response.body).toBeNull();
    const get = await callText(rewriting('HEAD'), '/');
    expect(get.text).toBe('body that must not be sent');
  });

  it('keeps the Content-Length an app gives a HEAD response', async () => {
    const { response } = await call((_, s) => { ok(s, [['Content-Length', '1234']]); return []; }, '/', { method: 'HEAD' });
    expect(response.headers.get('content-length')).toBe('1234');
  });
});

describe('close()', () => {
  it('runs once after success, for arrays and generators', async () => {
    const arrayTracker = closeTracker();
    const array = await callText((_, s) => { ok(s); return arrayTracker.attach(['a']); });
    expect(array.text).toBe('a');
    expect(arrayTracker.count).toBe(1);

    const genTracker = closeTracker();
    const gen = await callText((_, s) => { ok(s); return genTracker.attach((function* () { yield 'a'; yield 'b'; })()); });
    expect(gen.text).toBe('ab');
    expect(genTracker.count).toBe(1);
  });

  it('runs once when iteration fails before and after headers', async () => {
    const before = closeTracker();
    const early = await callText((_, s) => before.attach((function* () { ok(s); throw new Error('early'); })()));
    expect(early.response.status).toBe(500);
    expect(before.count).toBe(1);

    const after = closeTracker();
    const late = await call((_, s) => after.attach((function* () { ok(s); yield 'x'; throw new Error('late'); })()));
    await expect(late.response.text()).rejects.toThrow('late');
    expect(after.count).toBe(1);
  });

  it('runs once, with the generator finalised, when the client cancels mid-stream', async () => {
    const tracker = closeTracker();
    let finalised = 0;
    const { response } = await call((_, s) => {
      ok(s);
      return tracker.attach((async function* () {
        try {
          for (let i = 0; ; i++) { yield `chunk ${i};`; await sleep(1); }
        } finally {
          finalised++;
        }
      })());
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    await sleep(5);
    expect(tracker.count).toBe(1);
    expect(finalised).toBe(1);
  });

  it('runs once when the client cancels while a chunk is being produced', async () => {
    const tracker = closeTracker();
    let release!: () => void;
    const pending = new Promise<void>((resolve) => { release = resolve; });
    const { response, log } = await call((_, s) => {
      ok(s);
      return tracker.attach((async function* () {
        yield 'a';
        await pending;
        yield 'b';
        yield 'c';
      })());
    });
    const reader = response.body!.getReader();
    await reader.read();
    const inFlight = reader.read();
    await sleep(5);
    await reader.cancel();
    release();
    await inFlight.catch(() => undefined);
    await sleep(10);
    expect(tracker.count).toBe(1);
    expect(log).toEqual([]);
  });

  it('logs a close() that throws and still sends the body', async () => {
    const { text, log } = await callText((_, s) => {
      ok(s);
      return Object.assign(['fine'], { close() { throw new Error('close failed'); } });
    });
    expect(text).toBe('fine');
    expect(log.join('\n')).toContain('close failed');
  });
});

describe('backpressure', () => {
  it('does not advance a synchronous generator past the first 64 KiB ahead of the reader', async () => {
    let produced = 0;
    const chunk = 'x'.repeat(1024);
    const { response } = await call(function* (_, s) {
      ok(s);
      for (let i = 0; i < 100; i++) { produced++; yield chunk; }
    });
    await sleep(10);
    expect(produced).toBe(64);
    const reader = response.body!.getReader();
    for (let i = 0; i < 64; i++) await reader.read();
    await sleep(10);
    expect(produced).toBe(64);
    await reader.read();
    expect(produced).toBe(65);
    await reader.cancel();
    expect(produced).toBe(65);
  });

  it('does not advance an async generator ahead of the reader', async () => {
    let produced = 0;
    const { response } = await call(async function* (_, s) {
      ok(s);
      for (let i = 0; i < 100; i++) { produced++; yield `${i},`; }
    });
    // The first chunk fixed the headers; nothing more is pulled until the client reads.
    await sleep(10);
    expect(produced).toBe(1);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await sleep(10);
    expect(produced).toBe(2);
    await reader.read();
    expect(produced).toBe(3);
    await reader.cancel();
  });
});

describe('request body limits', () => {
  it('answers 413 for a Content-Length over maxBodyBytes without calling the app', async () => {
    let called = false;
    const { response, log } = await callText(() => { called = true; return []; }, '/', {
      method: 'POST', body: 'x'.repeat(11), headers: { 'content-length': '11' },
    }, { maxBodyBytes: 10 });
    expect(response.status).toBe(413);
    expect(called).toBe(false);
    expect(log.join('\n')).toContain('exceeds maxBodyBytes (10)');
  });

  it('answers 413 when an app reads past the limit of a body without Content-Length', async () => {
    const tracker = closeTracker();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(8));
        controller.close();
      },
    });
    const { response, text, log } = await callText(async (environ, s) => {
      const body = await environ['wsgi.input'].read();
      ok(s);
      return tracker.attach([`read ${body.length}`]);
    }, '/', { method: 'POST', body: stream, duplex: 'half' } as RequestInit, { maxBodyBytes: 20 });
    expect(response.status).toBe(413);
    expect(text).not.toContain('read');
    expect(log.join('\n')).toContain('exceeds maxBodyBytes (20)');
  });

  it('answers 400 for a malformed Content-Length', async () => {
    const response = await handle(() => [], new Request('http://example.test/', {
      method: 'POST', body: 'abc', headers: { 'content-length': '3x' },
    }), { errors: () => undefined });
    expect(response.status).toBe(400);
  });
});

describe('per-request state', () => {
  it('keeps concurrent requests apart', async () => {
    const app: WsgiApp = async function* (environ, s) {
      s('200 OK', [['X-Path', environ.PATH_INFO]]);
      await sleep(Number(environ.QUERY_STRING));
      yield environ.PATH_INFO;
    };
    const results = await Promise.all([['/a', '20'], ['/b', '1'], ['/c', '10']].map(async ([path, delay]) => {
      const { response, text } = await callText(app, `${path}?${delay}`);
      return [response.headers.get('x-path'), text];
    }));
    expect(results).toEqual([['/a', '/a'], ['/b', '/b'], ['/c', '/c']]);
  });
});

describe('bufferBodyUpTo (for transports that deliver only complete responses)', () => {
  it('reads a generator body ahead and answers it as bytes with a Content-Length', async () => {
    const tracker = closeTracker();
    const { response, log } = await call((_, s) => {
      ok(s);
      return tracker.attach((function* () { yield 'a'; yield ''; yield 'bc'; })());
    }, '/', {}, { bufferBodyUpTo: 1024 });
    expect(response.headers.get('content-length')).toBe('3');
    expect(await response.text()).toBe('abc');
    expect(tracker.count).toBe(1);
    expect(log).toEqual([]);
  });

  it('streams the rest of a body longer than the limit, every byte in order', async () => {
    let produced = 0;
    const { response } = await call(async function* (_, s) {
      ok(s);
      for (let i = 0; i < 10; i++) { produced++; yield 'x'.repeat(100); }
    }, '/', {}, { bufferBodyUpTo: 250 });
    expect(produced).toBe(3);
    expect(response.headers.get('content-length')).toBeNull();
    expect((await response.text()).length).toBe(1000);
  });

  it('aborts the stream when the body fails after its first chunk fixed the headers, and closes once', async () => {
    const tracker = closeTracker();
    const { response } = await call((_, s) => {
      ok(s);
      return tracker.attach((function* () { yield 'a'; throw new Error('late'); })());
    }, '/', {}, { bufferBodyUpTo: 1024 });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('late');
    expect(tracker.count).toBe(1);
  });
});

describe('dispatch(): answering without waiting', () => {
  const request = () => new Request('http://example.test/page');
  const quiet = { errors: () => undefined };

  it('gives the result itself for a sync app with a list or a short sync generator, close() run before', () => {
    for (const body of [() => ['a', 'b'], function* () { yield 'a'; yield 'b'; }]) {
      let closed = 0;
      const result = dispatch((_, s) => {
        ok(s);
        return Object.assign(body(), { close: () => { closed++; } });
      }, request(), quiet);
      expect(result).not.toBeInstanceOf(Promise);
      expect(result).toMatchObject({ status: 200, body: 'ab' });
      expect(closed).toBe(1);
    }
  });

  it('gives a promise when anything asks to wait: an async app, an async body, a close() that returns a promise', async () => {
    const cases: WsgiApp[] = [
      async (_, s) => { ok(s); return ['a']; },
      async function* (_, s) { ok(s); yield 'a'; },
      (_, s) => { ok(s); return Object.assign(['a'], { close: () => sleep(1) }); },
    ];
    for (const app of cases) {
      const result = dispatch(app, request(), quiet);
      expect(result).toBeInstanceOf(Promise);
      const response = toResponse(await result);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('a');
    }
  });

  it('with platformCountsLength, counts no length for a complete body but still holds it to the app\'s own', () => {
    const counted = { ...quiet, platformCountsLength: true };
    const page = dispatch((_, s) => { ok(s); return ['caf\u00e9', ' ok']; }, request(), counted);
    expect(page).toMatchObject({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'caf\u00e9 ok' });
    const declared = dispatch((_, s) => { ok(s, [['Content-Length', '3']]); return ['abc']; }, request(), counted);
    expect(declared).toMatchObject({ status: 200, headers: [['Content-Type', 'text/plain'], ['Content-Length', '3']], body: 'abc' });
    const short = dispatch((_, s) => { ok(s, [['Content-Length', '9']]); return ['abc']; }, request(), counted);
    expect(short).toMatchObject({ status: 500 });
    const long = dispatch((_, s) => { ok(s, [['Content-Length', '2']]); return ['abc']; }, request(), counted);
    expect(long).toMatchObject({ status: 200, body: new TextEncoder().encode('ab') });
  });

  it('still fails the sync way: a throwing app is a 500 at once, with close() of nothing to run', () => {
    const log: string[] = [];
    const result = dispatch(() => { throw new Error('boom'); }, request(), { errors: (line) => log.push(line) });
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ status: 500 });
    expect(log.join('\n')).toContain('boom');
  });
});

describe('prepareDispatch(): the environ now, the app later', () => {
  it('calls the app only when run, with the result dispatch() gives', () => {
    const events: string[] = [];
    const app: WsgiApp = (environ, s) => {
      events.push(`app ${String(environ.PATH_INFO)} ${String(environ.HTTP_X_NAME)}`);
      ok(s);
      return ['done'];
    };
    const request = new Request('http://example.test/page', { headers: { 'X-Name': 'first' } });
    const run = prepareDispatch(app, request, { errors: () => undefined });
    expect(events).toEqual([]);
    expect(run()).toMatchObject({ status: 200, body: 'done' });
    expect(events).toEqual(['app /page first']);
  });

  it('answers a request it refuses without the app, logging the refusal when prepared', () => {
    const log: string[] = [];
    let called = 0;
    const run = prepareDispatch(() => { called++; return []; }, { method: 'GET', url: 'http://example.test/a', headers: new Headers({ host: 'a, b' }), body: null }, { errors: (line) => log.push(line) });
    expect(log.join('\n')).toContain('more than one Host header');
    expect(run()).toMatchObject({ status: 400 });
    expect(called).toBe(0);
  });
});

/** What a Worker's fetch and a `deno serve` handler are given besides the request, for the Fetch targets below. */
const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined };
const info = { remoteAddr: { transport: 'tcp' as const, hostname: '127.0.0.1', port: 1 }, completed: Promise.resolve() };

describe('the Deno target serves the requests handed to it in one turn together', () => {

  it('answers the first at once, runs the others\' apps once the turn ends, in order, each request getting its own response', async () => {
    const ran: string[] = [];
    const handler = denoHandle((environ, s) => {
      ran.push(String(environ.PATH_INFO));
      if (environ.PATH_INFO === '/broken') throw new Error('the app broke');
      ok(s);
      return [String(environ.PATH_INFO)];
    }, { errors: () => undefined });
    const answers = ['/first', '/a', '/broken', '/c'].map((path) => handler.fetch(new Request(`http://example.test${path}`), info));
    expect(answers[0]).toBeInstanceOf(Response);
    expect(ran).toEqual(['/first']);
    const responses = await Promise.all(answers);
    expect(ran).toEqual(['/first', '/a', '/broken', '/c']);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 500, 200]);
    expect(await Promise.all([responses[0]!.text(), responses[1]!.text(), responses[3]!.text()])).toEqual(['/first', '/a', '/c']);
    expect(await responses[2]!.text()).not.toContain('the app broke');
  });
});

describe('the Fetch targets answer a sync app with a Response, not a promise', () => {
  const app: WsgiApp = (_, s) => { ok(s); return ['now']; };
  const later: WsgiApp = async (_, s) => { ok(s); return ['later']; };

  it.each([
    ['deno (the first request of a turn)', (a: WsgiApp) => denoHandle(a, { errors: () => undefined }).fetch(new Request('http://example.test/'), info)],
    ['cloudflare', (a: WsgiApp) => cloudflareHandle(a, { errors: () => undefined }).fetch(new Request('http://example.test/'), {}, ctx)],
  ])('%s', async (_, fetch) => {
    const now = fetch(app);
    expect(now).toBeInstanceOf(Response);
    expect(await (now as Response).text()).toBe('now');
    const pending = fetch(later);
    expect(pending).toBeInstanceOf(Promise);
    expect(await (await pending).text()).toBe('later');
  });
});

describe('the Fetch targets read no header of a request without a body unless the app asks', () => {
  /** A GET whose `headers` count their reads: on workerd and Deno each is a call into the runtime. */
  const countingGet = (reads: { count: number }) => {
    const request = new Request('http://example.test/x', { headers: { 'X-Seen': 'yes' } });
    const headers = request.headers;
    return Object.defineProperty(request, 'headers', { get: () => { reads.count++; return headers; } });
  };

  it.each([
    ['deno', (a: WsgiApp, request: Request) => denoHandle(a).fetch(request, info)],
    ['cloudflare', (a: WsgiApp, request: Request) => cloudflareHandle(a).fetch(request, {}, ctx)],
  ])('%s', async (_, fetch) => {
    const untouched = { count: 0 };
    const response = await fetch((environ, s) => { ok(s); return [String(environ.PATH_INFO)]; }, countingGet(untouched));
    expect(await response.text()).toBe('/x');
    expect(untouched.count).toBe(0);

    const asked = { count: 0 };
    const answered = await fetch((environ, s) => { ok(s); return [String(environ.HTTP_X_SEEN)]; }, countingGet(asked));
    expect(await answered.text()).toBe('yes');
    expect(asked.count).toBeGreaterThan(0);
  });
});

describe('the Cloudflare target reads request.cf only when the app does', () => {
  const withCf = (reads: { count: number }) => Object.defineProperty(new Request('http://example.test/'), 'cf', {
    get: () => { reads.count++; return { colo: 'TST' }; },
  });

  it('never, for an app that does not ask; once, however often it asks; and an app may replace it', async () => {
    const untouched = { count: 0 };
    await cloudflareHandle((_, s) => { ok(s); return ['x']; }).fetch(withCf(untouched), {}, ctx);
    expect(untouched.count).toBe(0);

    const read = { count: 0 };
    let seen: unknown[] = [];
    await cloudflareHandle((environ, s) => {
      seen = [environ['cloudflare.cf'], environ['cloudflare.cf']];
      environ['cloudflare.cf'] = 'replaced';
      seen.push(environ['cloudflare.cf']);
      ok(s);
      return ['x'];
    }).fetch(withCf(read), {}, ctx);
    expect(read.count).toBe(1);
    expect(seen).toEqual([{ colo: 'TST' }, { colo: 'TST' }, 'replaced']);
  });
});
