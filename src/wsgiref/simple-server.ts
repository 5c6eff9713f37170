/**
 * `wsgiref.simple_server` on Node's `http`: `makeServer(host, port, app)` serves a WSGI app through the
 * same core as every other target, logging one access line a request to stderr.
 *
 * Python name → wsgi-edge name: `make_server` → `makeServer`, `WSGIServer.serve_forever` →
 * `serveForever`, `server_close` → `close`, `demo_app` → `demoApp`.
 * @module
 */

import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { chunkWritten } from '../core/chunk-release.ts';
import { prepareDispatch } from '../core/gateway.ts';
import { isPromiseLike, whenReady } from '../core/promise.ts';
import type { WsgiResult } from '../core/result.ts';
import { TurnBatch, type StartRequest } from '../core/turn-batch.ts';
import { normalizeMethod } from '../core/protocol.ts';
import type { GatewayOptions, IncomingRequest, PlatformSuppliedOption, RequestHeaders, WsgiApp } from '../core/types.ts';
import { serveTarget, type ServedTarget } from './request-target.ts';

export { demoApp } from './demo-app.ts';

export interface SimpleServerOptions extends Omit<GatewayOptions, PlatformSuppliedOption> {
  /** Where the access log goes, one line a request; `false` for none. Default: stderr. */
  accessLog?: ((line: string) => void) | false;
}

export interface WsgiServer {
  readonly host: string;
  /** The port actually bound (useful after asking for port 0). */
  readonly port: number;
  /** Resolves once the server has been closed. */
  serveForever(): Promise<void>;
  /** Stops accepting requests and ends open connections. */
  close(): Promise<void>;
  /**
   * Stops accepting requests and lets those under way finish, each answered with `Connection: close`;
   * resolves once every connection has ended (as Deno's `server.shutdown()`).
   */
  shutdown(): Promise<void>;
}

/** Methods whose requests seldom carry a body: they get a body stream only when framed with one. */
const USUALLY_BODYLESS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
const BAD_REQUEST = 'Bad Request';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export async function makeServer(
  host: string,
  port: number,
  app: WsgiApp,
  options: SimpleServerOptions = {},
): Promise<WsgiServer> {
  const { accessLog = writeToStderr, ...gatewayOptions } = options;
  const log = accessLog || undefined;
  const lifecycle: Lifecycle = { draining: false };
  const batch = new TurnBatch(setImmediate);
  const server = new SimpleHttpServer((req, res) => {
    batch.add(
      () => prepareRequest(app, req, res, origin, gatewayOptions, log, lifecycle),
      () => logSent(req, res, log, failTransport(res)),
    );
  });
  // Node hands CONNECT to this event, not to the request handler, and without a listener drops the
  // connection unanswered. This is no proxy, and no target passes CONNECT to an app: 400, as the others do.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${BAD_REQUEST.length}\r\nConnection: close\r\n\r\n${BAD_REQUEST}`);
    log?.(accessLine(req, 400, BAD_REQUEST.length));
  });
  const closed = new Promise<void>((resolve) => server.once('close', resolve));
  await listen(server, host, port);
  const bound = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  return {
    host,
    port: bound,
    serveForever: () => closed,
    close: async () => {
      server.close();
      server.closeAllConnections();
      await closed;
    },
    shutdown: async () => {
      lifecycle.draining = true;
      // Node's close() also ends idle keep-alive connections; busy ones end after their response.
      server.close();
      await closed;
    },
  };
}

/**
 * Node's server, but a request pipelined behind one that carried `Connection: close` is ignored rather than
 * answered: RFC 9112 §9.6 asks the server to answer the first and then close, without reading on. Node's
 * parser refuses such bytes (`HPE_CLOSED_CONNECTION`), and its default answer to a parse error, a 400 and a
 * destroyed socket, went out before the first request's response, which was then lost. That one error is
 * taken as handled, so the response under way goes out and Node closes the connection after it (the
 * request asked it to); every other parse error keeps Node's own answer (400, 431, 408).
 */
class SimpleHttpServer extends Server {
  override emit(event: string, ...args: unknown[]): boolean {
    if (event === 'clientError' && (args[0] as NodeJS.ErrnoException | undefined)?.code === 'HPE_CLOSED_CONNECTION') return true;
    return super.emit(event, ...args);
  }
}

/** Whether the server is shutting down: responses then close their connection. */
interface Lifecycle {
  draining: boolean;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Prepares the request (a malformed one is answered here); what it returns runs the app, and what that
 * returns sends the response (see TurnBatch). Each may throw only on a failure of this transport (the
 * core turns app errors into responses): the batch then answers 500.
 */
function prepareRequest(
  app: WsgiApp,
  req: IncomingMessage,
  res: ServerResponse,
  origin: string,
  options: GatewayOptions,
  accessLog: ((line: string) => void) | undefined,
  lifecycle: Lifecycle,
): StartRequest {
  const target = req.url ?? '/';
  const served = serveTarget(target);
  const request = served && toIncomingRequest(req, origin, served);
  if (target === '*' && req.method === 'OPTIONS') {
    logSent(req, res, accessLog, answerServerWideOptions(res));
    return answered;
  }
  if (served === undefined || request === undefined) {
    res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': String(BAD_REQUEST.length) }).end(BAD_REQUEST);
    logSent(req, res, accessLog, 0);
    return answered;
  }
  const run = prepareDispatch(app, request, {
    ...options,
    remoteAddr: req.socket.remoteAddress ?? '',
    rawUri: served.originForm,
    serverProtocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
  });
  return () => {
    const result = run();
    return () => logSent(req, res, accessLog, whenReady(result, (ready) => writeResult(ready, res, lifecycle)) as number | PromiseLike<number>);
  };
}

/** A request answered while it was prepared: no app to run, nothing more to send. */
const answered: StartRequest = () => undefined;

function logSent(req: IncomingMessage, res: ServerResponse, accessLog: ((line: string) => void) | undefined, sent: number | PromiseLike<number>): void {
  if (accessLog === undefined) return;
  const logRequest = (sentBytes: number) => {
    // The caller's logger failing is no failure of the response, which has gone out (or is going).
    try {
      accessLog(accessLine(req, res.statusCode, sentBytes));
    } catch (error) {
      process.stderr.write(`wsgi-edge: the access log failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  };
  if (!isPromiseLike(sent)) logRequest(sent);
  else sent.then(logRequest, () => logRequest(failTransport(res)));
}

/** wsgiref's access line, with the request line as received. */
function accessLine(req: IncomingMessage, status: number, sentBytes: number): string {
  return `${req.socket.remoteAddress ?? '-'} - - [${logDate(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${sentBytes}`;
}

/**
 * `OPTIONS *` asks about the server, not a resource (RFC 9110 §9.3.7: "only useful as a 'ping' or
 * 'no-op'"); its target URI has an empty path (RFC 9112 §3.3), which no `PATH_INFO` under a `SCRIPT_NAME`
 * can say. The server answers it, as Apache httpd does, with the empty length §9.3.7 asks for.
 */
function answerServerWideOptions(res: ServerResponse): number {
  res.writeHead(200, { 'Content-Length': '0' }).end();
  return 0;
}

/** Only a failure of this transport can land here: the core turns app errors into responses. */
function failTransport(res: ServerResponse): number {
  if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error');
  else res.destroy();
  return 0;
}

/**
 * Node's request as the parts the core reads, without building a Fetch `Request` (with its `Headers` and
 * `AbortSignal`, that was the largest cost of a small request); `undefined` when the method is one a
 * Fetch `Request` could not carry (the answer is 400 on every target), or when an absolute-form target
 * comes with more than one Host (RFC 9112 §3.2: 400 whatever the target). Node's parser has already
 * refused header names and values that are not HTTP.
 */
function toIncomingRequest(req: IncomingMessage, origin: string, target: ServedTarget): IncomingRequest | undefined {
  const method = normalizeMethod(req.method ?? 'GET');
  if (method === undefined) return undefined;
  const rawHeaders = target.authority === undefined ? req.rawHeaders : withHost(req.rawHeaders, target.authority);
  if (rawHeaders === undefined) return undefined;
  // A GET or HEAD body is still part of the message (RFC 9110 §9.3.1 gives it no meaning, not no framing):
  // the app reads what CONTENT_LENGTH announces, as under wsgiref and gunicorn.
  const bodyless = USUALLY_BODYLESS.has(method) && !hasBodyFraming(rawHeaders);
  return {
    method,
    // Concatenation keeps a leading "//" in the path instead of reading a host from it.
    url: origin + target.originForm,
    headers: new RawHeaders(rawHeaders),
    body: bodyless ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>),
  };
}

/** Whether the raw header list frames a body: a `Content-Length` or a `Transfer-Encoding`. */
function hasBodyFraming(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Lengths first: most names are neither, and a length costs less than lower-casing.
    if (name.length === 14 ? name.toLowerCase() === 'content-length' : name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      return true;
    }
  }
  return false;
}

/** The raw header list with `authority` as its only Host; `undefined` when it had more than one Host. */
function withHost(raw: readonly string[], authority: string): string[] | undefined {
  const kept: string[] = [];
  let hosts = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'host') kept.push(raw[i]!, raw[i + 1]!);
    else if (++hosts > 1) return undefined;
  }
  kept.push('Host', authority);
  return kept;
}

/** Node's `rawHeaders` list (`[name, value, name, value, ...]`, names as sent) read as `RequestHeaders`. */
class RawHeaders implements RequestHeaders {
  readonly #raw: readonly string[];

  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const raw = this.#raw;
    let value: string | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const candidate = raw[i]!;
      if (candidate.length !== name.length || candidate.toLowerCase() !== name) continue;
      value = value === null ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
    }
    return value;
  }

  forEach(callback: (value: string, name: string) => void): void {
    const raw = this.#raw;
    for (let i = 0; i + 1 < raw.length; i += 2) callback(raw[i + 1]!, raw[i]!.toLowerCase());
  }
}

/**
 * Writes the result and returns the body bytes sent: a complete body at once, a stream with
 * backpressure (then a promise). A client that goes away cancels the stream, which runs the app's `close()`.
 */
function writeResult(result: WsgiResult, res: ServerResponse, lifecycle: Lifecycle): number | Promise<number> {
  const headerList: string[] = [];
  for (const [name, value] of result.headers) headerList.push(name, value);
  // Checked as the head goes out, not as the request came in: the app itself may have started the shutdown.
  if (lifecycle.draining) headerList.push('Connection', 'close');
  if (result.statusText) res.writeHead(result.status, result.statusText, headerList);
  else res.writeHead(result.status, headerList);
  const body = result.body;
  if (body === null) {
    res.end();
    return 0;
  }
  if (body instanceof Uint8Array) {
    res.end(body);
    return body.length;
  }
  if (typeof body === 'string') {
    res.end(body, 'utf8');
    return Buffer.byteLength(body, 'utf8');
  }
  return writeStream(body instanceof Blob ? body.stream() : body, res);
}

async function writeStream(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<number> {
  const reader = body.getReader();
  const onClose = () => {
    if (!res.writableFinished) void reader.cancel(new Error('client disconnected')).catch(() => undefined);
  };
  res.once('close', onClose);
  let sent = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sent += value.length;
      // Called once the socket has taken the bytes: a producer may then reuse the buffer.
      if (!res.write(value, (error) => error || chunkWritten(value))) await drained(res);
      if (res.destroyed) return sent;
    }
    res.end();
  } catch {
    // The app failed mid-stream: cut the connection so the client sees a truncated response. Node
    // holds the head until the first body byte (never, after an empty write() or on HEAD) and corks
    // the first chunk with it until the next tick; destroying before either is out loses the response.
    res.flushHeaders();
    await new Promise((resolve) => setImmediate(resolve));
    res.destroy();
  }
  return sent;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function writeToStderr(line: string): void {
  process.stderr.write(line + '\n');
}

/** wsgiref's `log_date_time_string()`: `23/Nov/2026 19:53:55`. */
function logDate(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(now.getDate())}/${MONTHS[now.getMonth()]}/${now.getFullYear()} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
}
