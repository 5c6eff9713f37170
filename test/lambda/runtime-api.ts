/**
 * A Lambda Runtime API server for tests, and the real runtime client (aws-lambda-ric) run against it
 * in a child process. The server speaks the wire protocol of aws-lambda-ric 3.3.0: `GET .../next`
 * long-polls until an invocation is queued; buffered results arrive on `POST .../response`,
 * invocation errors on `POST .../error`, streamed results as a chunked `POST .../response` with the
 * prelude, the 8-NUL delimiter and error trailers. Like Lambda, it imposes each invocation's deadline
 * itself (the runtime never does): on timeout the process is killed and a fresh one started. A process
 * that exits by itself fails the invocations it was running (`exit`), and the next invocation starts a
 * fresh one, as Lambda initializes a new sandbox.
 *
 * Facts and pitfalls: ../shared/reference/lambda-runtime.md (never answer /next with an error, start
 * the server first, kill by pid, closeAllConnections).
 * @module
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const RIC_BIN = path.resolve('node_modules/aws-lambda-ric/bin/index.mjs');
const PREFIX = '/2018-06-01/runtime';
const DELIMITER = Buffer.alloc(8);
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';

export interface StreamError {
  errorType: string;
  /** The decoded `Lambda-Runtime-Function-Error-Body` trailer. */
  body: { errorType?: string; errorMessage?: string; trace?: string[] };
}

export type Outcome =
  | { kind: 'response'; payload: unknown; raw: string }
  | { kind: 'error'; errorType: string; body: { errorType?: string; errorMessage?: string; trace?: string[] } }
  | {
      kind: 'stream';
      contentType: string;
      headers: IncomingHttpHeaders;
      /** Every byte of the POST body, prelude and delimiter included. */
      raw: Buffer;
      /** The HTTP chunks as they arrived. */
      chunks: Buffer[];
      /** The parsed prelude, when the content type says there is one. */
      prelude?: unknown;
      /** The bytes after the delimiter (all of them when there is no prelude). */
      body: Buffer;
      trailers: Record<string, string | undefined>;
      error?: StreamError;
    }
  | { kind: 'timeout'; partial: Buffer }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'init-error'; errorType: string; body: unknown };

/** A streamed invocation while it is running: the prelude first, then the body as it arrives. */
export interface LiveStream {
  prelude: Promise<unknown>;
  body: ReadableStream<Uint8Array>;
  outcome: Promise<Outcome>;
}

/** Where a streamed response goes as it arrives: `data` says whether it wants more before `pauseUntilPulled`'s callback. */
interface StreamSink {
  prelude(value: unknown): void;
  data(chunk: Buffer): boolean;
  pauseUntilPulled(resume: () => void): void;
  end(error?: StreamError): void;
}

interface Pending {
  id: string;
  event: unknown;
  deadline: number;
  traceId: string | null;
  settle(outcome: Outcome): void;
  onStream?: (stream: StreamSink) => void;
  partial: Buffer[];
  timer?: NodeJS.Timeout;
  started: boolean;
}

export interface FunctionOptions {
  /** Directory holding the built handler module (the task root; the runtime's cwd). */
  taskRoot: string;
  /** `module.export`, e.g. `index.handler`. */
  handler: string;
  /** Extra environment for the runtime process. */
  env?: Record<string, string>;
  /** Called with each line the runtime process writes (stdout or stderr), as it is added to `logs`. */
  onLog?: (line: string) => void;
}

export interface InvokeOptions {
  /** The deadline Lambda would enforce; default 10 s. */
  timeoutMs?: number;
  requestId?: string;
  /** The invocation's `Lambda-Runtime-Trace-Id`; null sends none. Default `Root=1-00000000-<request id>`. */
  traceId?: string | null;
  /**
   * A streamed body is read by a client, as through a function URL: while the client does not read, the
   * runtime's writes back up (1 MiB queued here). Without it everything is received as it comes, for
   * callers that only await the outcome.
   */
  clientPaced?: boolean;
}

let sequence = 0;

/** One function: a Runtime API server and the aws-lambda-ric process that polls it. */
export class LambdaFunction {
  readonly logs: string[] = [];
  /** How each runtime process that left by itself ended, in order. */
  readonly exits: { pid: number; code: number | null; signal: NodeJS.Signals | null }[] = [];
  readonly #options: FunctionOptions;
  readonly #server: Server;
  readonly #queue: Pending[] = [];
  readonly #waiting: ServerResponse[] = [];
  readonly #running = new Map<string, Pending>();
  readonly #gates = new Map<string, { release: () => void; opened: Promise<void> }>();
  #child: ChildProcess | undefined;
  #ready: Promise<void> = Promise.resolve();
  #markReady: (() => void) | undefined;
  #closed = false;
  port = 0;
  /** Counters the app under test reports (`GET /progress/<name>/<n>`). */
  readonly progress = new Map<string, number>();
  /** While set, streamed response bodies are not read (the runtime's writes back up). */
  paused = false;
  #pausedRequests: IncomingMessage[] = [];

  /** Starts reading streamed bodies again. */
  resume(): void {
    this.paused = false;
    for (const req of this.#pausedRequests.splice(0)) req.resume();
  }

  private constructor(options: FunctionOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#route(req, res));
  }

  static async start(options: FunctionOptions): Promise<LambdaFunction> {
    const fn = new LambdaFunction(options);
    fn.#server.listen(0, '127.0.0.1');
    await once(fn.#server, 'listening');
    fn.port = (fn.#server.address() as AddressInfo).port;
    fn.#spawn();
    await fn.#ready;
    return fn;
  }

  /** The current runtime process's id (undefined between an exit and the next invocation). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Runs one invocation and resolves with what the runtime sent back. */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<Outcome> {
    return new Promise((resolve) => this.#enqueue(event, options, resolve));
  }

  /** Runs one invocation of a streaming handler and exposes the body while it arrives. */
  invokeStream(event: unknown, options: InvokeOptions = {}): LiveStream {
    let setPrelude!: (value: unknown) => void;
    let failPrelude!: (error: Error) => void;
    const prelude = new Promise<unknown>((resolve, reject) => { setPrelude = resolve; failPrelude = reject; });
    prelude.catch(() => {});
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let resumeReading: (() => void) | undefined;
    const takeResume = () => {
      const resume = resumeReading;
      resumeReading = undefined;
      resume?.();
    };
    const body = new ReadableStream<Uint8Array>(
      { start(c) { controller = c; }, pull: takeResume, cancel: takeResume },
      new ByteLengthQueuingStrategy({ highWaterMark: 1 << 20 }),
    );
    const outcome = new Promise<Outcome>((resolve) => {
      this.#enqueue(event, options, (result) => {
        if (result.kind !== 'stream') {
          const error = new Error(`Invocation ended without a stream: ${JSON.stringify(result.kind)}`);
          failPrelude(error);
          try { controller.error(error); } catch { /* already closed */ }
        }
        resolve(result);
      }, (stream) => {
        stream.prelude = setPrelude;
        // A reader that went away cancels the body; Lambda keeps running the function regardless,
        // so the rest is received and dropped.
        stream.data = (chunk) => {
          try {
            controller.enqueue(new Uint8Array(chunk));
          } catch {
            return true; // cancelled: read on and drop
          }
          return !options.clientPaced || (controller.desiredSize ?? 1) > 0;
        };
        stream.pauseUntilPulled = (resume) => { resumeReading = resume; };
        stream.end = (error) => {
          setPrelude(undefined);
          try {
            if (error) controller.error(new Error(`Runtime error trailer: ${error.errorType}: ${error.body.errorMessage ?? ''}`));
            else controller.close();
          } catch { /* cancelled */ }
        };
      });
    });
    return { prelude, body, outcome };
  }

  /**
   * A gate the app under test can wait on (`GET http://127.0.0.1:<port>/gate/<name>` answers once
   * released), so a test can prove a chunk arrived before the app went on, without timing.
   */
  release(name: string): void {
    this.#gate(name).release();
  }

  /**
   * Resolves once a log line matching `pattern` appeared (bounded by the test timeout). The function's
   * output reaches this harness through its own pipe, which may trail the invocation's answer.
   */
  async waitForLog(pattern: RegExp | ((line: string) => boolean)): Promise<string> {
    const matches = typeof pattern === 'function' ? pattern : (line: string) => pattern.test(line);
    for (let i = 0; i < 400; i++) {
      const line = this.logs.find(matches);
      if (line !== undefined) return line;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`No log line matched ${pattern}; logs:\n${this.logs.join('\n')}`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#kill();
    for (const res of this.#waiting.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #gate(name: string) {
    let gate = this.#gates.get(name);
    if (!gate) {
      let release!: () => void;
      const opened = new Promise<void>((resolve) => { release = resolve; });
      gate = { release, opened };
      this.#gates.set(name, gate);
    }
    return gate;
  }

  #spawn(): void {
    const { taskRoot, handler, env } = this.#options;
    this.#ready = new Promise((resolve) => { this.#markReady = resolve; });
    const child = spawn(process.execPath, [RIC_BIN, handler], {
      cwd: taskRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${this.port}`,
        _HANDLER: handler,
        LAMBDA_TASK_ROOT: taskRoot,
        AWS_LAMBDA_FUNCTION_NAME: 'wsgi-edge-test',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/wsgi-edge-test',
        AWS_LAMBDA_LOG_STREAM_NAME: 'test',
        ...env,
      },
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (rest + text).split('\n');
        rest = lines.pop() ?? '';
        this.logs.push(...lines);
        if (this.#options.onLog) for (const line of lines) this.#options.onLog(line);
      });
    }
    child.on('exit', (code, signal) => {
      // Killed by #kill: already forgotten. Otherwise the process left by itself, mid-invocation or not.
      if (this.#child !== child) return;
      this.#child = undefined;
      this.exits.push({ pid: child.pid!, code, signal });
      for (const pending of [...this.#running.values()]) pending.settle({ kind: 'exit', code, signal });
      for (const res of this.#waiting.splice(0)) res.destroy();
      if (this.#queue.length > 0 && !this.#closed) this.#spawn();
    });
    this.#child = child;
  }

  #kill(): void {
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  #enqueue(event: unknown, options: InvokeOptions, settle: (o: Outcome) => void, onStream?: Pending['onStream']): void {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const id = options.requestId ?? `req-${++sequence}`;
    const pending: Pending = {
      id,
      event,
      deadline: Date.now() + timeoutMs,
      traceId: options.traceId === undefined ? `Root=1-00000000-${id}` : options.traceId,
      partial: [],
      started: false,
      settle: (outcome) => {
        clearTimeout(pending.timer);
        this.#running.delete(pending.id);
        settle(outcome);
      },
    };
    if (onStream) pending.onStream = onStream;
    pending.timer = setTimeout(() => this.#timeout(pending), timeoutMs);
    this.#queue.push(pending);
    if (!this.#child && !this.#closed) this.#spawn();
    this.#dispatch();
  }

  /** The deadline passed: Lambda stops the sandbox; a later invocation gets a fresh one. */
  #timeout(pending: Pending): void {
    const queued = this.#queue.indexOf(pending);
    if (queued !== -1) this.#queue.splice(queued, 1);
    pending.settle({ kind: 'timeout', partial: Buffer.concat(pending.partial) });
    if (queued === -1 && !this.#closed) {
      this.#kill();
      for (const res of this.#waiting.splice(0)) res.destroy();
      this.#spawn();
    }
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#waiting.length > 0) {
      const pending = this.#queue.shift()!;
      const res = this.#waiting.shift()!;
      pending.started = true;
      this.#running.set(pending.id, pending);
      const body = JSON.stringify(pending.event);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': pending.id,
        'Lambda-Runtime-Deadline-Ms': String(pending.deadline),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:wsgi-edge-test',
        ...(pending.traceId === null ? {} : { 'Lambda-Runtime-Trace-Id': pending.traceId }),
      });
      res.end(body);
    }
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      // Long poll: parked until an invocation is queued (never answered with an error).
      this.#markReady?.();
      this.#waiting.push(res);
      res.on('close', () => {
        const index = this.#waiting.indexOf(res);
        if (index !== -1) this.#waiting.splice(index, 1);
      });
      this.#dispatch();
      return;
    }
    const progress = /^\/progress\/([\w-]+)\/(\d+)$/.exec(url);
    if (req.method === 'GET' && progress) {
      this.progress.set(progress[1]!, Number(progress[2]));
      res.end('ok');
      return;
    }
    const gate = /^\/gate\/([\w-]+)$/.exec(url);
    if (req.method === 'GET' && gate) {
      void this.#gate(gate[1]!).opened.then(() => res.end('open'));
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      void readAll(req).then((raw) => {
        res.writeHead(202).end('{"status":"OK"}');
        const errorType = String(req.headers['lambda-runtime-function-error-type'] ?? '');
        for (const pending of [...this.#running.values()]) pending.settle({ kind: 'init-error', errorType, body: parseJson(raw) });
      });
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    const pending = match ? this.#running.get(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !pending) {
      res.writeHead(404).end();
      return;
    }
    if (match[2] === 'error') {
      void readAll(req).then((raw) => {
        res.writeHead(202).end('{"status":"OK"}');
        const body = parseJson(raw) as Extract<Outcome, { kind: 'error' }>['body'];
        pending.settle({ kind: 'error', errorType: body.errorType ?? '', body });
      });
      return;
    }
    if (req.headers['lambda-runtime-function-response-mode'] === 'streaming') {
      this.#receiveStream(req, res, pending);
      return;
    }
    void readAll(req).then((raw) => {
      res.writeHead(202).end('{"status":"OK"}');
      pending.settle({ kind: 'response', payload: parseJson(raw), raw });
    });
  }

  #receiveStream(req: IncomingMessage, res: ServerResponse, pending: Pending): void {
    const contentType = String(req.headers['content-type'] ?? '');
    const hasPrelude = contentType === PRELUDE_TYPE;
    const live: StreamSink = { prelude() {}, data: () => true, pauseUntilPulled() {}, end() {} };
    const deliver = (chunk: Buffer) => {
      if (live.data(chunk)) return;
      req.pause();
      live.pauseUntilPulled(() => { if (!this.paused) req.resume(); });
    };
    pending.onStream?.(live);
    const chunks: Buffer[] = [];
    let head = Buffer.alloc(0);
    let preludeDone = !hasPrelude;
    let prelude: unknown;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      pending.partial.push(chunk);
      if (preludeDone) {
        deliver(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(DELIMITER);
      if (at === -1) return;
      prelude = parseJson(head.subarray(0, at).toString('utf8'));
      preludeDone = true;
      live.prelude(prelude);
      const rest = head.subarray(at + DELIMITER.length);
      if (rest.length > 0) deliver(rest);
      if (this.paused) {
        req.pause();
        this.#pausedRequests.push(req);
      }
    });
    req.on('end', () => {
      res.writeHead(202).end('{"status":"OK"}');
      const raw = Buffer.concat(chunks);
      const trailers = { ...req.trailers };
      const errorType = trailers['lambda-runtime-function-error-type'];
      let error: StreamError | undefined;
      if (errorType !== undefined) {
        const encoded = trailers['lambda-runtime-function-error-body'] ?? '';
        error = { errorType, body: parseJson(Buffer.from(encoded, 'base64').toString('utf8')) as StreamError['body'] };
      }
      const at = hasPrelude ? raw.indexOf(DELIMITER) : -1;
      const body = hasPrelude ? (at === -1 ? Buffer.alloc(0) : raw.subarray(at + DELIMITER.length)) : raw;
      live.end(error);
      const outcome: Outcome = { kind: 'stream', contentType, headers: req.headers, raw, chunks, body, trailers };
      if (preludeDone && hasPrelude) outcome.prelude = prelude;
      if (error) outcome.error = error;
      pending.settle(outcome);
    });
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Kill every runtime process if the test worker exits without closing them. */
const live = new Set<LambdaFunction>();
export async function startFunction(options: FunctionOptions): Promise<LambdaFunction> {
  const fn = await LambdaFunction.start(options);
  live.add(fn);
  return fn;
}
export async function closeAll(): Promise<void> {
  await Promise.all([...live].map((fn) => fn.close()));
  live.clear();
}
process.once('exit', () => { for (const fn of live) void fn.close(); });
