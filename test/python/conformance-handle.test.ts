/**
 * The conformance suite against the Python fixtures (test/conformance/conformance_app.py) run by
 * wsgi-edge/python in this process's Pyodide and called through the core's `handle()`, with no socket.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { handle, type WsgiApp } from '../../src/index.ts';
import { loadPythonApp } from '../../src/python/index.ts';
import { conformanceSuite } from '../conformance/cases.ts';
import { CONFORMANCE_APP, PYTHON_PLATFORM, pythonBridgeChecks } from './python-conformance.ts';

/** A documentation address (RFC 5737), so the environ's REMOTE_ADDR visibly comes from the option. */
const REMOTE_ADDR = '192.0.2.7';

/**
 * `body` as the client reads it, one chunk per read: when `signal` aborts, the body is cancelled (so the
 * core runs the app's close()) and the client's stream fails, as fetch's does over a socket.
 */
function abortable(body: ReadableStream<Uint8Array>, signal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let aborted = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener('abort', () => {
        aborted = true;
        controller.error(signal.reason);
        reader.cancel(signal.reason).catch(() => undefined);
      }, { once: true });
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (aborted) return;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

describe('conformance: Python app through handle(), in-process', () => {
  let app: WsgiApp;
  const log: string[] = [];
  beforeAll(async () => {
    app = await loadPythonApp(CONFORMANCE_APP);
  });

  /**
   * What a transport does around `handle()`: the request body goes in with its Content-Length (a Fetch
   * `Request` made here has none), and the client's signal cancels the response body it is reading.
   */
  const inProcess = async (request: Request): Promise<Response> => {
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers = new Headers(request.headers);
    if (body) headers.set('Content-Length', String(body.length));
    const response = await handle(app, new Request(request.url, { method: request.method, headers, body }), {
      remoteAddr: REMOTE_ADDR,
      errors: (line) => log.push(line),
    });
    if (!response.body) return response;
    return new Response(abortable(response.body, request.signal), response);
  };

  const target = {
    name: 'python in-process',
    baseUrl: () => 'http://python.test',
    fetch: inProcess,
    remoteAddr: REMOTE_ADDR,
    platform: PYTHON_PLATFORM,
  };
  conformanceSuite(target);
  pythonBridgeChecks(target);

  it('gives a NUL in the path (%00) and an environ extra that is an object to Python exactly', async () => {
    // Either keeps the environ from crossing as one NUL-joined string: it crosses as a list instead.
    const nul = await handle(app, new Request('http://python.test/environ/a%00b'), { remoteAddr: REMOTE_ADDR });
    expect(((await nul.json()) as { cgi: Record<string, string> }).cgi.PATH_INFO).toBe('/environ/a\u0000b');
    const extra = await handle(app, new Request('http://python.test/environ?probe=deno.info.extra'), {
      remoteAddr: REMOTE_ADDR,
      environ: { 'deno.info': { extra: 'yes' } },
    });
    expect(((await extra.json()) as { probes: Record<string, unknown> }).probes).toEqual({ 'deno.info.extra': { type: 'string', value: 'yes' } });
    const plain = await handle(app, new Request('http://python.test/environ/a%01b'), { remoteAddr: REMOTE_ADDR });
    expect(((await plain.json()) as { cgi: Record<string, string> }).cgi.PATH_INFO).toBe('/environ/a\u0001b');
  });

  it("gives an environ longer than the bridge's environ buffer (16 KiB) to Python exactly", async () => {
    const long = 'caf\u00e9-'.repeat(3000);
    const response = await handle(app, new Request('http://python.test/environ', { headers: { 'X-Long': long } }), { remoteAddr: REMOTE_ADDR });
    const { cgi } = (await response.json()) as { cgi: Record<string, string> };
    // A Fetch header holds bytes: é is the byte 0xe9, one Latin-1 character of the native string.
    expect(cgi.HTTP_X_LONG).toBe(long);
    const short = await handle(app, new Request('http://python.test/environ', { headers: { 'X-Short': 'caf\u00e9' } }), { remoteAddr: REMOTE_ADDR });
    expect(((await short.json()) as { cgi: Record<string, string> }).cgi).toMatchObject({ HTTP_X_SHORT: 'caf\u00e9', PATH_INFO: '/environ' });
  });

  it("logs the app's traceback to wsgi.errors, naming the Python file and line", async () => {
    log.length = 0;
    expect((await inProcess(new Request('http://python.test/error-before'))).status).toBe(500);
    const text = log.join('\n');
    expect(text).toContain('Error in WSGI app for GET /error-before:');
    expect(text).toMatch(/Traceback \(most recent call last\):[\s\S]*conformance_app\.py", line \d+, in error_before/);
    expect(text).toContain('RuntimeError: secret-detail-do-not-leak');
  });
});
