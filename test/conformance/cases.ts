/**
 * The conformance suite: HTTP cases, written once, that every runtime serving `conformanceApp`
 * (test/conformance/apps.ts) must pass. A runtime's test file calls `conformanceSuite(target)` inside
 * its own `describe`, after booting the runtime once:
 *
 * ```ts
 * conformanceSuite({ name: 'deno', baseUrl: () => server.url, remoteAddr: '127.0.0.1' });
 * // or, for a runtime reached without a socket:
 * conformanceSuite({ name: 'lambda', baseUrl: () => 'http://lambda.test', fetch: (request) => invoke(request), remoteAddr: ... });
 * ```
 *
 * Every case talks to the runtime over its real interface; streaming and `close()` are observed through
 * the fixture's control endpoints, never by timing.
 * @module
 */

import { crc32 } from 'node:zlib';
import { expect, it } from 'vitest';
import { patternByte } from './apps.ts';
import { requestCases, type RequestFacts, type Wire } from './request-cases.ts';
import { fetchFailure } from '../helpers/fetch-failure.ts';

export interface ConformanceTarget {
  /** Shown in failure messages. */
  name: string;
  /** Where the runtime serves `conformanceApp` at the root; read when the cases run (after boot). */
  baseUrl: () => string;
  /** Sends a request; default: the global `fetch` over the network. It must honour `request.signal`. */
  fetch?: (request: Request) => Promise<Response>;
  /** `REMOTE_ADDR` the runtime must report for the test's requests. */
  remoteAddr: string;
  /**
   * How to send what `fetch` cannot (test/conformance/request-cases.ts): raw bytes on a socket, or the
   * front end's event. A target without one (the in-process `handle()`, which takes a Fetch `Request`)
   * runs no request cases.
   */
  wire?: Wire;
  /** Environ values the target must add, by dotted path (`cloudflare.cf.colo`) → `typeof` or exact value. */
  environ?: Record<string, { type: string; value?: unknown }>;
  /**
   * Known platform differences, each stated as what the platform does (defaults: what PEP 3333 and a
   * plain HTTP/1.1 server give). `headerLatin1`: `HTTP_X_LATIN` for the header bytes `caf\xe9`.
   * `failedBody`: how a response whose app failed after headers reaches the client, `'aborted'` (the
   * connection is cut, the client sees an error) or `'ended'` (a normal end: workerd ends the chunked
   * body cleanly). `disconnect`: whether a client going away mid-stream reaches the app as `close()`
   * (`'closes'`), is never reported to it (`'unnoticed'`: workerd handed a JavaScript stream body neither
   * cancels nor pulls it; the Cloudflare target pipes the body itself so that it is reported), or
   * changes nothing because the app runs to its end whatever the client does (`'completes'`: Lambda).
   * `failedBody` may also be `'replaced'`: a buffered platform answers 500 instead, as nothing was sent.
   * `delivery`: `'streamed'` (chunks reach the client as produced) or `'buffered'` (the whole body at the
   * end: Lambda's BUFFERED invoke mode), or `'pulled'`: the body is a synchronous iterator that can wait
   * on nothing but the client (every Python app's: wsgi-edge/python pulls it synchronously), which the
   * core pulls 64 KiB ahead and then a chunk per read; the Python `/stream` fixture, unable to sleep,
   * yields padding (spaces) until released, and the case checks the client had the first chunk while the
   * generator was held at a `yield`; `'buffered-pulled'`, such a body on a buffered platform: nothing reaches
   * the client before the end, so nothing holds the generator, whose padding runs past the buffered limit
   * (a Python app under Lambda's BUFFERED mode). `maxResponseBytes`: a larger response answers 500 (Lambda's 6 MB).
   * `gatewayRequest`: whether the platform's request object is in the environ as `wsgi_edge.request`
   * (`'exposed'`), or `'withheld'`: a Python app's environ has the platform's extras but not the
   * JavaScript Request, whose body wsgi-edge/python has already read into `wsgi.input`.
   */
  platform?: {
    headerLatin1?: string;
    failedBody?: 'aborted' | 'ended' | 'replaced';
    disconnect?: 'closes' | 'unnoticed' | 'completes';
    delivery?: 'streamed' | 'buffered' | 'pulled' | 'buffered-pulled';
    maxResponseBytes?: number;
    gatewayRequest?: 'exposed' | 'withheld';
    /** What the runtime loses of a request before wsgi-edge sees it (request-cases.ts `RequestFacts`). */
    request?: RequestFacts;
  };
}

/** Bounded polling for state another request changes (close() after a disconnect). */
const POLL_STEP_MS = 20;
const POLL_STEPS = 250;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let nextId = 0;
/** A fresh id for state kept by the fixtures, unique across runs of the same runtime. */
export function uniqueId(label: string): string {
  return `${label}-${Date.now().toString(36)}-${nextId++}`;
}

/** How the cases talk to a target: requests, JSON control endpoints, the fixtures' close() counts. */
export function conformanceClient(target: ConformanceTarget) {
  const once = (path: string, init: RequestInit): Promise<Response> => {
    const request = new Request(new URL(path, target.baseUrl()), init);
    return target.fetch ? target.fetch(request) : fetch(request);
  };
  // A pooled connection may be closed by the server after a response that did not end normally (a
  // failed body that workerd ends as a complete one, a cancelled stream on Lambda's stream front end), and
  // the pool may hand it to the next request before the close arrives: that request then meets a reset or
  // a FIN before any response. A GET or HEAD is sent again, as a browser does on a reused connection.
  // Where a failed body ends as a complete one (workerd), the server closes that connection without
  // reading on, so any request sent on it was never read: sent again whatever its method, when its
  // body can be sent twice.
  const closesAfterEndedFailure = target.platform?.failedBody === 'ended';
  const send = async (path: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await once(path, init);
    } catch (error) {
      const failure = fetchFailure(error);
      const idempotent = (init.method ?? 'GET') === 'GET' || init.method === 'HEAD';
      const replayable = init.body === undefined || init.body === null || typeof init.body === 'string' || init.body instanceof Uint8Array;
      if ((idempotent || (closesAfterEndedFailure && replayable)) && failure.closedConnection) return once(path, init);
      // undici's "fetch failed" says nothing of why: name the request and the socket's error.
      throw new Error(`${target.name}: ${init.method ?? 'GET'} ${path} failed: ${failure.reason}`, { cause: error });
    }
  };
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await send(path);
    expect(response.status, `${target.name} ${path}`).toBe(200);
    return await response.json() as T;
  };
  const closeCount = async (id: string) => (await getJson<{ count: number }>(`/close-count?id=${id}`)).count;
  /** Waits (bounded) until close() has run for `id`; returns the count then. */
  const closedCount = async (id: string) => {
    let count = 0;
    for (let i = 0; i < POLL_STEPS && (count = await closeCount(id)) === 0; i++) await sleep(POLL_STEP_MS);
    return count;
  };
  return { send, getJson, closeCount, closedCount };
}

export function conformanceSuite(target: ConformanceTarget): void {
  const headerLatin1 = target.platform?.headerLatin1 ?? 'caf\u00e9';
  const failedBody = target.platform?.failedBody ?? 'aborted';
  const failedBodyAborts = failedBody === 'aborted';
  const disconnect = target.platform?.disconnect ?? 'closes';
  const buffered = target.platform?.delivery === 'buffered';
  const pulled = target.platform?.delivery === 'pulled';
  const bufferedPulled = target.platform?.delivery === 'buffered-pulled';
  const requestWithheld = target.platform?.gatewayRequest === 'withheld';
  const maxResponseBytes = target.platform?.maxResponseBytes ?? Infinity;
  const { send, getJson, closeCount, closedCount } = conformanceClient(target);
  /** Reads the whole body and reports whether the stream failed (a truncated response) or ended. */
  const readToEnd = async (response: Response): Promise<{ text: string; failed: boolean }> => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { text, failed: false };
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return { text, failed: true };
    }
  };

  /** What the client gets from an app that sent `partial` and then failed, as the platform delivers it. */
  const expectFailedAfterHeaders = async (response: Response) => {
    if (failedBody === 'replaced') {
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain('partial');
      return;
    }
    expect(response.status).toBe(200);
    const { text, failed } = await readToEnd(response);
    expect(failed).toBe(failedBodyAborts);
    expect(text).toBe('partial');
  };

  interface Echo {
    cgi: Record<string, string>;
    wsgi: Record<string, unknown>;
    probes: Record<string, { type: string; value?: unknown }>;
  }

  it('builds the environ: CGI keys, native strings, HTTP_* headers, wsgi.* flags', async () => {
    const response = await send('/environ/caf%C3%A9/x%2Fy?b=2&a=%20&c=%C3%A9', {
      headers: { 'X-Custom': 'one', 'X-Latin': 'caf\u00e9', 'X-Under_Score': 'spoofed', Accept: 'text/plain' },
    });
    expect(response.status).toBe(200);
    const { cgi, wsgi } = await response.json() as Echo;
    const url = new URL(target.baseUrl());
    expect(cgi).toMatchObject({
      REQUEST_METHOD: 'GET',
      SCRIPT_NAME: '',
      PATH_INFO: '/environ/caf\u00c3\u00a9/x/y',
      QUERY_STRING: 'b=2&a=%20&c=%C3%A9',
      RAW_URI: '/environ/caf%C3%A9/x%2Fy?b=2&a=%20&c=%C3%A9',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: url.hostname,
      SERVER_PORT: url.port || (url.protocol === 'https:' ? '443' : '80'),
      HTTP_HOST: url.host,
      HTTP_X_CUSTOM: 'one',
      HTTP_X_LATIN: headerLatin1,
      HTTP_ACCEPT: 'text/plain',
      REMOTE_ADDR: target.remoteAddr,
    });
    expect(Object.keys(cgi).filter((key) => key.includes('UNDER'))).toEqual([]);
    expect(cgi).not.toHaveProperty('CONTENT_TYPE');
    expect(cgi).not.toHaveProperty('CONTENT_LENGTH');
    expect(wsgi).toEqual({
      version: [1, 0],
      url_scheme: url.protocol.slice(0, -1),
      multithread: false,
      multiprocess: true,
      run_once: false,
      input_terminated: true,
      input: 'function',
      errors: 'function',
    });
  });

  it('gives CONTENT_TYPE and CONTENT_LENGTH their CGI names, never HTTP_CONTENT_*', async () => {
    const response = await send('/environ', { method: 'POST', body: 'abc', headers: { 'Content-Type': 'text/x-test' } });
    const { cgi } = await response.json() as Echo;
    expect(cgi).toMatchObject({ REQUEST_METHOD: 'POST', CONTENT_TYPE: 'text/x-test', CONTENT_LENGTH: '3', QUERY_STRING: '' });
    expect(Object.keys(cgi).filter((key) => key.startsWith('HTTP_CONTENT'))).toEqual([]);
  });

  it(`puts the platform's objects in the environ`, async () => {
    const paths = Object.keys(target.environ ?? {});
    const query = paths.map((path) => `probe=${encodeURIComponent(path)}`).join('&');
    const { probes } = await getJson<Echo>(`/environ?${query}&probe=wsgi_edge.request.method`);
    const requestMethod = requestWithheld ? { type: 'missing' } : { type: 'string', value: 'GET' };
    expect(probes).toEqual({ ...target.environ, 'wsgi_edge.request.method': requestMethod });
  });

  it(buffered
    ? 'buffers: the whole body arrives once the generator has finished'
    : bufferedPulled
      ? 'buffers a generator that waits only on its client: pulled on without a release, past the buffered limit: 500'
      : pulled
      ? 'streams as the client reads: the first chunk arrives while the generator is held at a yield'
      : 'streams: the first chunk reaches the client while the generator is still running', async () => {
    const id = uniqueId('stream');
    if (bufferedPulled) {
      // The fixture's hold (64 MiB of padding) is far over any buffered limit (Lambda's 6 MB).
      const response = await send(`/stream?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
      expect(response.status).toBe(500);
      // Closed at the limit, before its hold ran out: never released, never finished.
      expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('waiting');
      return;
    }
    if (pulled) {
      const response = await send(`/stream?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (let i = 0; i < 100 && text.length < 'first chunk\n'.length; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(text.slice(0, 'first chunk\n'.length)).toBe('first chunk\n');
      // The client reads no further, so the generator, padding until released, has not run out.
      expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('waiting');
      expect((await getJson<{ state: string }>(`/release?id=${id}`)).state).toBe('waiting');
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      expect(text).toMatch(/^first chunk\n +second chunk\n$/);
      expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('finished');
      return;
    }
    if (buffered) {
      const pending = send(`/stream?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
      let state = '';
      for (let i = 0; i < POLL_STEPS && state !== 'waiting'; i++) {
        state = (await getJson<{ state: string }>(`/stream-state?id=${id}`)).state;
        if (state !== 'waiting') await sleep(POLL_STEP_MS);
      }
      expect(state).toBe('waiting');
      expect((await getJson<{ state: string }>(`/release?id=${id}`)).state).toBe('waiting');
      const response = await pending;
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('first chunk\nsecond chunk\n');
      expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('finished');
      return;
    }
    // identity: a compressing platform (workerd under miniflare, Deno) would hold a compressed stream back.
    const response = await send(`/stream?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let i = 0; i < 100 && !text.includes('\n'); i++) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('first chunk\n');
    // The generator waits for /release, so it cannot have finished yet.
    expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('waiting');
    expect((await getJson<{ state: string }>(`/release?id=${id}`)).state).toBe('waiting');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('first chunk\nsecond chunk\n');
    expect((await getJson<{ state: string }>(`/stream-state?id=${id}`)).state).toBe('finished');
  });

  it('takes startResponse called lazily from inside the generator', async () => {
    const response = await send('/lazy');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-lazy')).toBe('yes');
    expect(await response.text()).toBe('lazy body');
  });

  it('sends write() chunks before the iterable, in order', async () => {
    const response = await send('/write');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('one two three');
  });

  it('lets excInfo replace status and headers before anything was sent', async () => {
    const response = await send('/exc-info');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.has('x-dropped')).toBe(false);
    expect(await response.text()).toBe('recovered');
  });

  it('rethrows excInfo once headers are sent: the response is cut short and closed', async () => {
    const id = uniqueId('exc-late');
    const response = await send(`/exc-info-late?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
    await expectFailedAfterHeaders(response);
    expect(await closedCount(id)).toBe(1);
  });

  it('answers 500 with a generic body when the app fails before headers', async () => {
    const response = await send('/error-before');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('secret-detail');
    expect(text.length).toBeGreaterThan(0);
  });

  it('aborts the response when the app fails after headers, and closes the body once', async () => {
    const id = uniqueId('error-after');
    // identity: a compressed stream that fails loses what was already produced inside the compressor.
    const response = await send(`/error-after?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
    await expectFailedAfterHeaders(response);
    expect(await closedCount(id)).toBe(1);
  });

  it('closes the body exactly once after a complete response', async () => {
    const id = uniqueId('close');
    const response = await send(`/close?id=${id}&chunks=3&delay=5`);
    expect(new Uint8Array(await response.arrayBuffer()).length).toBe(3 * 1024);
    expect(await closedCount(id)).toBe(1);
    // Asked again: still once.
    expect(await closeCount(id)).toBe(1);
  });

  it({
    closes: 'closes the body when the client goes away mid-stream',
    unnoticed: 'does not report a client that went away mid-stream to the app (platform limit), and keeps serving',
    completes: 'runs the app to its end and closes it once when the client goes away, and keeps serving',
  }[disconnect], async () => {
    const id = uniqueId('abort');
    const controller = new AbortController();
    // A platform that runs the app to its end gets a body that ends soon (and fits a buffered limit).
    const chunks = disconnect === 'completes' ? 1000 : 100000;
    const response = await send(`/close?id=${id}&chunks=${chunks}`, {
      signal: controller.signal,
      headers: { 'Accept-Encoding': 'identity' },
    });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    if (disconnect === 'unnoticed') expect(await closeCount(id)).toBe(0);
    else expect(await closedCount(id)).toBe(1);
    expect(await (await send('/hello')).text()).toBe('hello');
  });

  it('echoes all 256 byte values unchanged', async () => {
    const bytes = new Uint8Array(512);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff;
    const response = await send('/echo', { method: 'POST', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('512');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("keeps the app's Content-Length on a streamed body", async () => {
    const response = await send('/sized', { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('300000');
    expect(response.headers.has('transfer-encoding')).toBe(false);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([bytes.length, bytes[0], bytes[150_000], bytes[299_999]]).toEqual([300_000, 1, 2, 3]);
  });

  it('receives a 16 MiB request body, read in pieces of at most the size asked', async () => {
    const size = 16 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i++) body[i] = patternByte(i);
    const response = await send('/upload', { method: 'POST', body, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(response.status).toBe(200);
    const result = await response.json() as { length: number; digest: number; reads: number; oversized: number };
    expect(result).toMatchObject({ length: size, digest: crc32(body), oversized: 0 });
    expect(result.reads).toBeGreaterThanOrEqual(size / 65536);
  });

  it(maxResponseBytes < 16 * 1024 * 1024
    ? 'answers 500 to a 16 MiB response body over the platform limit, and a body under it in full'
    : 'sends a 16 MiB response body from a generator, every byte in place', async () => {
    if (maxResponseBytes < 16 * 1024 * 1024) {
      const over = await send(`/download?size=${16 * 1024 * 1024}`, { headers: { 'Accept-Encoding': 'identity' } });
      expect(over.status).toBe(500);
      expect((await over.text()).length).toBeLessThan(1000);
    }
    const size = Math.min(16 * 1024 * 1024, Math.floor(maxResponseBytes / 2));
    const response = await send(`/download?size=${size}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(size);
    let mismatch = -1;
    for (let i = 0; i < size && mismatch === -1; i++) if (bytes[i] !== patternByte(i)) mismatch = i;
    expect(mismatch).toBe(-1);
  });

  it('reads wsgi.input with read(n), readline(), readline(n), readlines(hint), iteration and read()', async () => {
    const response = await send('/pieces', { method: 'POST', body: 'abcdef\nghijkl\nmn\nop\nq\u00ffr' });
    expect(await response.json()).toEqual({
      read3: 'abc',
      line: 'def\n',
      limitedLine: 'gh',
      restOfLine: 'ijkl\n',
      lines: ['mn\n'],
      iterated: 'op\nq\u00c3\u00bfr',
      eof: '',
    });
  });

  it('sends several Set-Cookie headers separately', async () => {
    const response = await send('/cookies');
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual([
      'a=1; Path=/',
      'b=2; Path=/; HttpOnly',
      'c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
    ]);
  });

  it.each([204, 205, 304])('sends no body with %i, and still closes the iterable', async (code) => {
    const id = uniqueId(`status-${code}`);
    const response = await send(`/status/${code}?id=${id}`);
    expect(response.status).toBe(code);
    expect(response.headers.get('x-status-fixture')).toBe(String(code));
    expect(await response.text()).toBe('');
    expect(await closedCount(id)).toBe(1);
  });

  it('sends no body to HEAD but the same status and headers, and closes the iterable', async () => {
    const id = uniqueId('head');
    const response = await send(`/status/200?id=${id}`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-status-fixture')).toBe('200');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('');
    expect(await closedCount(id)).toBe(1);
    expect(await (await send(`/status/200?id=${uniqueId('get')}`)).text()).toBe('this body must not be sent');
  });

  if (target.wire) requestCases(target.name, target.wire, target.platform?.request);
}
