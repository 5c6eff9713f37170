/**
 * The conformance suite's fixture WSGI apps, and `conformanceApp`, which routes to them by the first
 * segment of `PATH_INFO` so each runtime boots once and serves them all. Each runtime's fixture entry
 * (test/node, test/cloudflare/worker.ts, test/deno/server.ts) serves `conformanceApp` at the root.
 *
 * State that a test must observe across requests (how many times `close()` ran, whether a streaming
 * generator has finished) lives in this module, per isolate or process, keyed by an id the test picks;
 * the `/close-count`, `/stream-state` and `/release` endpoints read and change it.
 *
 * Every fixture runs inside `validator()` (wsgiref's lint middleware), so each runtime's environ and
 * each fixture's use of the protocol are checked on every request. Besides `validator`, which
 * imports only types, nothing but types comes from the library: the same file runs under Node (from
 * source), inside the worker bundle and under Deno next to the built package, without pulling in a
 * second copy of the core.
 * @module
 */

import type { Chunk, Environ, HeaderPair, ResponseBody, StartResponse, WsgiApp } from '../../src/index.ts';
import { validator } from '../../src/wsgiref/validate.ts';

/** How long a fixture waits for the test (a release, the next read) before giving up, so nothing hangs. */
const WAIT_STEP_MS = 20;
const WAIT_STEPS = 250;

/** The `size` a download may ask for: the suite's 16 MiB, with room. */
const MAX_DOWNLOAD = 64 * 1024 * 1024;

const closes = new Map<string, number>();
const streams = new Map<string, 'waiting' | 'released' | 'finished'>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One byte per character (a PEP 3333 native string), so bytes survive a JSON round trip. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return text;
}

/** The byte at offset `i` of a generated body: a pattern that catches dropped, repeated or reordered chunks. */
export function patternByte(i: number): number {
  return (i * 31 + (i >>> 16) * 7 + 11) & 0xff;
}

const CRC32_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/**
 * CRC-32 (zlib's) over the bytes, continuing from `crc`: an order-sensitive digest every fixture can
 * compute fast, the Python twin with `zlib.crc32` (a per-byte loop there takes seconds for 16 MiB).
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC32_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function query(environ: Environ): URLSearchParams {
  return new URLSearchParams(environ.QUERY_STRING);
}

function json(startResponse: StartResponse, value: unknown, status = '200 OK'): Chunk[] {
  startResponse(status, [['Content-Type', 'application/json']]);
  return [JSON.stringify(value)];
}

/** Counts `close()` calls under `id`, however the body ends. */
function tracked<T extends object>(id: string, body: T): T & { close(): void } {
  return Object.assign(body, {
    close: () => {
      closes.set(id, (closes.get(id) ?? 0) + 1);
    },
  });
}

/** Reads a dotted path (`cloudflare.ctx.waitUntil`) from the environ: an extension key, then properties. */
function probe(environ: Environ, path: string): { type: string; value?: unknown } {
  const key = Object.keys(environ)
    .filter((name) => path === name || path.startsWith(name + '.'))
    .sort((a, b) => b.length - a.length)[0];
  if (key === undefined) return { type: 'missing' };
  let value: unknown = environ[key];
  for (const part of path.slice(key.length + 1).split('.').filter(Boolean)) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return { type: 'missing' };
    value = (value as Record<string, unknown>)[part];
  }
  const type = value === null ? 'null' : typeof value;
  return type === 'object' || type === 'function' ? { type } : { type, value };
}

/** `/environ`: the CGI and `HTTP_*` keys, the `wsgi.*` flags, and the values of `?probe=` paths. */
const environEcho: WsgiApp = (environ, startResponse) => {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) {
    if (!key.includes('.') && typeof value === 'string') strings[key] = value;
  }
  const wsgi = {
    version: environ['wsgi.version'],
    url_scheme: environ['wsgi.url_scheme'],
    multithread: environ['wsgi.multithread'],
    multiprocess: environ['wsgi.multiprocess'],
    run_once: environ['wsgi.run_once'],
    input_terminated: environ['wsgi.input_terminated'],
    input: typeof environ['wsgi.input']?.read,
    errors: typeof environ['wsgi.errors']?.write,
  };
  const probes: Record<string, unknown> = {};
  for (const path of query(environ).getAll('probe')) probes[path] = probe(environ, path);
  return json(startResponse, { cgi: strings, wsgi, probes });
};

/**
 * `/stream?id=`: a first chunk, then a wait until the test calls `/release?id=`, then a second chunk. A
 * gateway or platform that buffers the body cannot deliver the first chunk while the generator waits.
 */
const streaming: WsgiApp = (environ, startResponse) => {
  const id = query(environ).get('id') ?? '';
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return (async function* () {
    await sleep(WAIT_STEP_MS);
    streams.set(id, 'waiting');
    yield 'first chunk\n';
    for (let i = 0; i < WAIT_STEPS && streams.get(id) === 'waiting'; i++) await sleep(WAIT_STEP_MS);
    await sleep(WAIT_STEP_MS);
    yield 'second chunk\n';
    streams.set(id, 'finished');
  })();
};

/** `/lazy`: `startResponse` called from inside the generator, before its first chunk. */
const lazy: WsgiApp = (_environ, startResponse) =>
  (function* () {
    startResponse('201 Created', [['Content-Type', 'text/plain'], ['X-Lazy', 'yes']]);
    yield '';
    yield 'lazy body';
  })();

/** `/write`: the legacy `write()` callable, whose chunks precede the iterable's. */
const writeCallable: WsgiApp = (_environ, startResponse) => {
  const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
  write('one ');
  write(new TextEncoder().encode('two '));
  return ['three'];
};

/** `/exc-info`: an error caught before anything was sent replaces the status and headers. */
const excInfoEarly: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/html'], ['X-Dropped', 'yes']]);
  try {
    throw new Error('database unavailable');
  } catch (error) {
    startResponse('503 Service Unavailable', [['Content-Type', 'text/plain']], error);
    return ['recovered'];
  }
};

/** `/exc-info-late?id=`: after the first chunk, `startResponse(..., excInfo)` rethrows; the stream aborts. */
const excInfoLate: WsgiApp = (environ, startResponse) => {
  const id = query(environ).get('id') ?? '';
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return tracked(id, (function* () {
    yield 'partial';
    try {
      throw new Error('late failure');
    } catch (error) {
      startResponse('500 Internal Server Error', [['Content-Type', 'text/plain']], error);
    }
    yield 'never sent';
  })());
};

/** `/error-before`: the app throws before any headers; the message must not reach the client. */
const errorBefore: WsgiApp = () => {
  throw new Error('secret-detail-do-not-leak');
};

/** `/error-after?id=`: the body fails after headers and a first chunk went out. */
const errorAfter: WsgiApp = (environ, startResponse) => {
  const id = query(environ).get('id') ?? '';
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return tracked(id, (async function* () {
    yield 'partial';
    await sleep(WAIT_STEP_MS);
    throw new Error('secret-detail-do-not-leak');
  })());
};

/**
 * `/close?id=&chunks=&delay=`: `chunks` chunks of 1 KiB, tracking `close()`; with `delay` (ms) an async
 * generator that waits between chunks, without it a plain generator. The test that goes away mid-stream
 * uses the plain one, parked at a `yield` by backpressure: workerd stops a disconnected request's timers,
 * so a generator waiting on one there would never resume, and the core's `close()` waits for it.
 */
const closeTracked: WsgiApp = (environ, startResponse) => {
  const params = query(environ);
  const id = params.get('id') ?? '';
  const chunks = Math.min(Number(params.get('chunks') ?? 3), 100_000);
  const delay = Math.min(Number(params.get('delay') ?? 0), 1000);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  const chunk = (i: number) => new Uint8Array(1024).fill(i & 0xff);
  if (delay > 0) {
    return tracked(id, (async function* () {
      for (let i = 0; i < chunks; i++) {
        yield chunk(i);
        await sleep(delay);
      }
    })());
  }
  return tracked(id, (function* () {
    for (let i = 0; i < chunks; i++) yield chunk(i);
  })());
};

/** `/close-count?id=`: how many times `close()` ran for `id`, in this isolate or process. */
const closeCount: WsgiApp = (environ, startResponse) =>
  json(startResponse, { count: closes.get(query(environ).get('id') ?? '') ?? 0 });

/** `/stream-state?id=`: where the `/stream` generator for `id` is. */
const streamState: WsgiApp = (environ, startResponse) =>
  json(startResponse, { state: streams.get(query(environ).get('id') ?? '') ?? 'unknown' });

/** `/release?id=`: lets the `/stream` generator for `id` go on. */
const release: WsgiApp = (environ, startResponse) => {
  const id = query(environ).get('id') ?? '';
  const before = streams.get(id) ?? 'unknown';
  if (before === 'waiting') streams.set(id, 'released');
  return json(startResponse, { state: before });
};

/** `/echo`: the request body back, byte for byte, read with `read()` and no size. */
const echo: WsgiApp = async (environ, startResponse) => {
  const body = await environ['wsgi.input'].read();
  startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(body.length)]]);
  return [body];
};

/** `/sized`: a generator body whose length the app declared; the client must get that Content-Length. */
const sized: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', '300000']]);
  return (function* () {
    for (let i = 0; i < 3; i++) yield new Uint8Array(100_000).fill(i + 1);
  })();
};

/** `/upload`: reads the body in 64 KiB pieces and reports its length, CRC-32 and how many reads it took. */
const upload: WsgiApp = async (environ, startResponse) => {
  const input = environ['wsgi.input'];
  let length = 0;
  let digest = 0;
  let reads = 0;
  let oversized = 0;
  for (let i = 0; i < 100_000; i++) {
    const piece = await input.read(65536);
    if (piece.length === 0) break;
    if (piece.length > 65536) oversized++;
    reads++;
    length += piece.length;
    digest = crc32(piece, digest);
  }
  return json(startResponse, { length, digest, reads, oversized });
};

/** `/download?size=`: `size` bytes of `patternByte` in 64 KiB chunks from a generator. */
const download: WsgiApp = (environ, startResponse) => {
  const size = Math.min(Number(query(environ).get('size') ?? 0), MAX_DOWNLOAD);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return (function* () {
    for (let offset = 0; offset < size; offset += 65536) {
      const chunk = new Uint8Array(Math.min(65536, size - offset));
      for (let i = 0; i < chunk.length; i++) chunk[i] = patternByte(offset + i);
      yield chunk;
    }
  })();
};

/** `/pieces`: `wsgi.input` read with each method in turn; every piece reported as a native string. */
const pieces: WsgiApp = async (environ, startResponse) => {
  const input = environ['wsgi.input'];
  const read3 = await input.read(3);
  const line = await input.readline();
  const limitedLine = await input.readline(2);
  const restOfLine = await input.readline();
  const lines = await input.readlines(1);
  const iterated: Uint8Array[] = [];
  for await (const chunk of input) {
    iterated.push(chunk);
    if (iterated.length > 1000) break;
  }
  const rest = await input.read();
  return json(startResponse, {
    read3: latin1(read3),
    line: latin1(line),
    limitedLine: latin1(limitedLine),
    restOfLine: latin1(restOfLine),
    lines: lines.map(latin1),
    iterated: latin1(new Uint8Array(iterated.flatMap((chunk) => [...chunk]))),
    eof: latin1(rest),
  });
};

/** `/cookies`: three `Set-Cookie` headers, which must reach the client as three. */
const cookies: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [
    ['Content-Type', 'text/plain'],
    ['Set-Cookie', 'a=1; Path=/'],
    ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
    ['Set-Cookie', 'c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
  ]);
  return ['cookies'];
};

const REASONS: Readonly<Record<string, string>> = {
  '200': 'OK',
  // Not the canonical reason (Non-Authoritative Information): which of the two reaches the client is the server's.
  '203': 'Reason Of The App',
  '204': 'No Content',
  '205': 'Reset Content',
  '304': 'Not Modified',
};

/** `/status/NNN?id=`: answers NNN with a body the gateway must drop for null-body statuses and HEAD. */
const status: WsgiApp = (environ, startResponse) => {
  const code = environ.PATH_INFO.split('/')[2] ?? '';
  const reason = REASONS[code];
  if (reason === undefined) return json(startResponse, { error: `no fixture for status ${JSON.stringify(code)}` }, '404 Not Found');
  // 204 and 304 carry no Content-Type (wsgiref's validator refuses one, as they have no content).
  const headers: HeaderPair[] = code === '204' || code === '304' ? [] : [['Content-Type', 'text/plain']];
  startResponse(`${code} ${reason}`, [...headers, ['X-Status-Fixture', code]]);
  const body: ResponseBody = (function* () {
    yield 'this body must not be sent';
  })();
  return tracked(query(environ).get('id') ?? '', body);
};

/** `/hello`: the smallest app. */
const hello: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

/** Every fixture, by the first segment of `PATH_INFO`. */
export const fixtures: Readonly<Record<string, WsgiApp>> = {
  environ: environEcho,
  stream: streaming,
  lazy,
  write: writeCallable,
  'exc-info': excInfoEarly,
  'exc-info-late': excInfoLate,
  'error-before': errorBefore,
  'error-after': errorAfter,
  close: closeTracked,
  'close-count': closeCount,
  'stream-state': streamState,
  release,
  echo,
  sized,
  upload,
  download,
  pieces,
  cookies,
  status,
  hello,
};

/** Every fixture behind wsgiref's `validator()`: a broken rule is a `WsgiValidationError`, so a 500. */
function wrap(app: WsgiApp): WsgiApp {
  return validator(app);
}

const wrapped: Readonly<Record<string, WsgiApp>> = Object.fromEntries(
  Object.entries(fixtures).map(([name, app]) => [name, wrap(app)]),
);

/** The one app each runtime serves: dispatches to a fixture by the first path segment. */
export const conformanceApp: WsgiApp = (environ, startResponse) => {
  const name = environ.PATH_INFO.split('/')[1] ?? '';
  const app = Object.hasOwn(wrapped, name) ? wrapped[name] : undefined;
  if (app === undefined) {
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return [`no fixture ${JSON.stringify(name)}`];
  }
  return app(environ, startResponse);
};
