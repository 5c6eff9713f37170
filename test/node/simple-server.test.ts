import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { base64App } from '../../app/base64-app.ts';
import { releaseWhenWritten } from '../../src/core/chunk-release.ts';
import type { WsgiApp } from '../../src/index.ts';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { sleep } from '../helpers/call.ts';

/**
 * Sends raw bytes and returns the raw answer, once the server has closed the connection (each request asks
 * it to, or is refused): for what fetch() would normalise or refuse to send. The client does not half-close
 * first: Node's server, not allowing half-open connections, would then end the connection before an
 * asynchronous answer.
 */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(bytes, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

let closes = 0;
let streamed = 0;
/** The chunks of `/lent` handed back by the server, by index; each is scribbled over when it comes back. */
const lentBack: number[] = [];
const LENT_CHUNKS = 8;
const LENT_BYTES = 256 * 1024;
/** Each body `/body` read, as a native string. */
const bodiesRead: string[] = [];
const echoApp: WsgiApp = async (environ, startResponse) => {
  if (environ.PATH_INFO === '/body') {
    const body = Buffer.from(await environ['wsgi.input'].read()).toString('latin1');
    bodiesRead.push(body);
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify({ CONTENT_LENGTH: environ.CONTENT_LENGTH, SERVER_PROTOCOL: environ.SERVER_PROTOCOL, body })];
  }
  if (environ.PATH_INFO === '/lent') {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return (function* () {
      for (let i = 0; i < LENT_CHUNKS; i++) {
        const chunk = new Uint8Array(LENT_BYTES).fill(i + 1);
        releaseWhenWritten(chunk, () => {
          lentBack.push(i);
          chunk.fill(0xff);
        });
        yield chunk;
      }
    })();
  }
  if (environ.PATH_INFO === '/stream-short') {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return (async function* () {
      for (let i = 0; i < 3; i++) {
        await sleep(5);
        yield new Uint8Array(1024);
      }
    })();
  }
  if (environ.PATH_INFO === '/stream') {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return Object.assign((async function* () {
      for (let i = 0; i < 10_000; i++) {
        streamed++;
        yield new Uint8Array(64 * 1024);
        await sleep(1);
      }
    })(), { close: () => { closes++; } });
  }
  const keys = Object.keys(environ).filter((key) => !key.includes('.')).sort();
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(Object.fromEntries(keys.map((key) => [key, environ[key]])))];
};

describe('makeServer', () => {
  let server: WsgiServer;
  const accessLog: string[] = [];

  beforeAll(async () => {
    server = await makeServer('127.0.0.1', 0, echoApp, { accessLog: (line) => accessLog.push(line), errors: () => undefined });
  });
  afterAll(() => server.close());

  it('hands each streamed chunk back to its producer once written, never before: the client gets every byte as made', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/lent`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(LENT_CHUNKS * LENT_BYTES);
    const wrong = bytes.findIndex((byte, at) => byte !== Math.floor(at / LENT_BYTES) + 1);
    expect(wrong).toBe(-1);
    await vi.waitFor(() => expect([...lentBack].sort()).toEqual([...Array(LENT_CHUNKS).keys()]));
  });

  it('serves on the port it reports and logs one access line a request', async () => {
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${server.port}/hello?x=1`);
    expect(response.status).toBe(200);
    const environ = await response.json() as Record<string, string>;
    expect(environ).toMatchObject({ PATH_INFO: '/hello', QUERY_STRING: 'x=1', REMOTE_ADDR: '127.0.0.1', SERVER_NAME: '127.0.0.1', REQUEST_METHOD: 'GET' });
    expect(accessLog.at(-1)).toMatch(/^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] "GET \/hello\?x=1 HTTP\/1\.1" 200 \d+$/);
  });

  it('keeps the raw request target in RAW_URI and decodes PATH_INFO once', async () => {
    const answer = await rawRequest(server.port, 'GET /a%2Fb/caf%C3%A9?q=%20 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const environ = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    expect(environ.RAW_URI).toBe('/a%2Fb/caf%C3%A9?q=%20');
    expect(environ.PATH_INFO).toBe('/a/b/caf\u00c3\u00a9');
    expect(environ.HTTP_HOST).toBe('x');
  });

  it('drops header names with an underscore sent over the wire', async () => {
    const answer = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Real-IP: 1.1.1.1\r\nX_Real_IP: 6.6.6.6\r\nConnection: close\r\n\r\n');
    expect(answer).toContain('"HTTP_X_REAL_IP":"1.1.1.1"');
    expect(answer).not.toContain('6.6.6.6');
  });

  /** The environ a raw request line (with `Host: x`) reaches the app with. */
  async function environOf(requestLine: string): Promise<Record<string, string>> {
    const answer = await rawRequest(server.port, `${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
  }

  it('takes a target in absolute form (RFC 9112 §3.2.2): path and query as the origin form, its authority for Host', async () => {
    expect(await environOf('GET http://Example.test:8080/a%2Fb/caf%C3%A9?q=%20 HTTP/1.1')).toMatchObject({
      PATH_INFO: '/a/b/caf\u00c3\u00a9', QUERY_STRING: 'q=%20', RAW_URI: '/a%2Fb/caf%C3%A9?q=%20', HTTP_HOST: 'Example.test:8080',
      SERVER_NAME: '127.0.0.1', SERVER_PORT: String(server.port),
    });
    expect(accessLog.at(-1)).toContain('"GET http://Example.test:8080/a%2Fb/caf%C3%A9?q=%20 HTTP/1.1" 200 ');
    // An empty path is "/"; the scheme is case-insensitive; the Host header, whatever it said, is gone.
    expect(await environOf('GET HTTP://example.test HTTP/1.1')).toMatchObject({ PATH_INFO: '/', QUERY_STRING: '', RAW_URI: '/', HTTP_HOST: 'example.test' });
    expect(await environOf('GET https://[::1]:9?x=1 HTTP/1.1')).toMatchObject({ PATH_INFO: '/', QUERY_STRING: 'x=1', RAW_URI: '/?x=1', HTTP_HOST: '[::1]:9' });
    expect(await environOf('GET http://example.test//a/b HTTP/1.1')).toMatchObject({ PATH_INFO: '//a/b', RAW_URI: '//a/b', HTTP_HOST: 'example.test' });
  });

  it.each([
    ['GET * HTTP/1.1', 'asterisk form off OPTIONS'],
    ['GET example.test:80 HTTP/1.1', 'authority form off CONNECT'],
    ['GET http://user@example.test/ HTTP/1.1', 'userinfo in the authority'],
    ['GET http:///x HTTP/1.1', 'an empty host'],
    ['GET http://example.test:port/ HTTP/1.1', 'a port that is not a number'],
    ['GET ftp://example.test/x HTTP/1.1', 'a scheme other than http(s)'],
    ['GET mailto:x@example.test HTTP/1.1', 'a URI with no authority'],
  ])('answers 400 to %j (%s)', async (requestLine) => {
    const answer = await rawRequest(server.port, `${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toContain('PATH_INFO');
  });

  it('answers OPTIONS * itself, 200 with no body, and CONNECT with 400', async () => {
    const before = accessLog.length;
    const options = await rawRequest(server.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(options).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(options).toMatch(/\r\nContent-Length: 0\r\n/i);
    expect(options.endsWith('\r\n\r\n')).toBe(true);
    const connect = await rawRequest(server.port, 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
    expect(connect).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\nBad Request$/);
    expect(accessLog.slice(before).map((line) => line.replace(/^.*\] /, ''))).toEqual([
      '"OPTIONS * HTTP/1.1" 200 0',
      '"CONNECT example.test:443 HTTP/1.1" 400 11',
    ]);
  });

  it('answers 400 to two Host lines (RFC 9112 §3.2), also beside an absolute-form target, without calling the app', async () => {
    for (const requestLine of ['GET /twice HTTP/1.1', 'GET http://example.test/twice HTTP/1.1']) {
      const answer = await rawRequest(server.port, `${requestLine}\r\nHost: localhost\r\nHost: evil.example.com\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).not.toContain('PATH_INFO');
    }
  });

  it('answers the request sent with Connection: close, closes, and ignores one pipelined behind it (RFC 9112 §9.6)', async () => {
    const before = accessLog.length;
    const answer = await rawRequest(server.port,
      'GET /first HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200']);
    expect(answer).toContain('"PATH_INFO":"/first"');
    expect(answer).not.toContain('/second');
    expect(accessLog.slice(before).map((line) => line.replace(/^.*\] /, '').replace(/ \d+$/, ''))).toEqual(['"GET /first HTTP/1.1" 200']);
    // A stream still under way when the pipelined bytes arrive goes out whole too.
    const streamed = await rawRequest(server.port,
      'GET /stream-short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(streamed.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200']);
    expect(streamed.endsWith('\r\n0\r\n\r\n')).toBe(true);
  });

  it('delivers a GET or HEAD body to wsgi.input as CONTENT_LENGTH says; HTTP/1.0 reaches SERVER_PROTOCOL', async () => {
    const get = await rawRequest(server.port, 'GET /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    expect(JSON.parse(get.slice(get.indexOf('\r\n\r\n') + 4))).toMatchObject({ CONTENT_LENGTH: '5', body: 'hello', SERVER_PROTOCOL: 'HTTP/1.1' });
    const chunked = await rawRequest(server.port, 'GET /body HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(JSON.parse(chunked.slice(chunked.indexOf('\r\n\r\n') + 4))).toMatchObject({ body: 'abc', SERVER_PROTOCOL: 'HTTP/1.0' });
    const before = bodiesRead.length;
    const head = await rawRequest(server.port, 'HEAD /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodiesRead.slice(before)).toEqual(['xyz']);
  });

  it.each([
    ['Content-Length with Transfer-Encoding', 'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two Content-Lengths', 'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
    ['an obs-fold line', 'GET /s HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'],
    ['bare LF line ends', 'GET /s HTTP/1.1\nHost: x\n\n'],
    ['a NUL in a header value', 'GET /s HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n'],
    ['an unknown Transfer-Encoding', 'POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'],
  ])('answers 400 to %s (request smuggling), without calling the app', async (_what, request) => {
    const answer = await rawRequest(server.port, request);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toContain('PATH_INFO');
  });

  it('closes the body when the client goes away mid-stream, and keeps serving', async () => {
    const before = closes;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${server.port}/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    for (let i = 0; i < 100 && closes === before; i++) await sleep(10);
    expect(closes).toBe(before + 1);
    expect(streamed).toBeLessThan(10_000);
    expect((await fetch(`http://127.0.0.1:${server.port}/after`)).status).toBe(200);
  });
});

describe('WsgiServer.shutdown()', () => {
  it('takes no new connection, lets a response under way finish with Connection: close, then resolves', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let started: () => void = () => undefined;
    const inApp = new Promise<void>((resolve) => { started = resolve; });
    const slowApp: WsgiApp = async (_environ, startResponse) => {
      started();
      await released;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['finished'];
    };
    const server = await makeServer('127.0.0.1', 0, slowApp, { accessLog: false, errors: () => undefined });
    // A keep-alive request, answered after shutdown() has begun; the answer ends when the server closes.
    const answer = new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (data: Buffer) => chunks.push(data));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    await inApp;
    let done = false;
    const shutdown = server.shutdown().then(() => { done = true; });
    await expect(rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).rejects.toThrow(/ECONNREFUSED/);
    expect(done).toBe(false);
    release();
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('\r\nConnection: close\r\n');
    expect(text.endsWith('\r\n\r\nfinished')).toBe(true);
    await shutdown;
    expect(done).toBe(true);
  });
});

describe('the seed app on the simple server (what npm start runs)', () => {
  it('answers a request in absolute form as it answers the origin form', async () => {
    const seed = await makeServer('127.0.0.1', 0, base64App, { accessLog: false });
    try {
      const answer = await rawRequest(seed.port, 'GET http://example/encode?mystring=a HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toContain('<tt>&#x27;a&#x27;</tt> base64 encoded is: <tt>YQ==</tt>');
    } finally {
      await seed.close();
    }
  });
});

describe('npm start', () => {
  it('serves the seed app on the port given, prints where, and stops on Ctrl-C', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const [build, command] = pkg.scripts.start!.split(' && ');
    expect(build).toBe('npm run build:js --silent');
    // The build ran in the global setup; running it again here would rewrite dist/ under the suites
    // running beside this one (a module read half-written fails their import). Its own process group,
    // so Ctrl-C can be sent the way a terminal sends it: to the whole group.
    const child = spawn('sh', ['-c', `exec ${command!}`], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let output = '';
      let errors = '';
      child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
      child.stderr.on('data', (data: Buffer) => { errors += data.toString(); });
      for (let i = 0; i < 300 && !/Listening on localhost:\d+/.test(output); i++) await sleep(50);
      const port = /Listening on localhost:(\d+)/.exec(output)?.[1];
      expect(port).toBeDefined();
      const direct = await fetch(`http://localhost:${port}/encode?mystring=hello`);
      expect(direct.status).toBe(200);
      expect(await direct.text()).toContain('<tt>&#x27;hello&#x27;</tt> base64 encoded is: <tt>aGVsbG8=</tt>');
      const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
      process.kill(-child.pid!, 'SIGINT');
      const [code, signal] = await exited;
      // The server closes and exits without a word (under npm, npm itself ends by the signal).
      expect(code === 0 || signal === 'SIGINT').toBe(true);
      expect(errors).not.toMatch(/Error|at /);
      await expect(fetch(`http://localhost:${port}/`)).rejects.toThrow();
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }
  });
});

describe('the package as published', () => {
  it('imports from plain Node ESM by its own name', async () => {
    const script = `
      const core = await import('wsgi-edge');
      const simple = await import('wsgi-edge/simple-server');
      const app = (environ, startResponse) => { startResponse('200 OK', [['Content-Type', 'text/plain']]); return ['ok ' + environ.PATH_INFO]; };
      const response = await core.handle(app, new Request('http://x.test/built'));
      console.log(typeof simple.makeServer, await response.text());
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(output.trim()).toBe('function ok /built');
  });
});
