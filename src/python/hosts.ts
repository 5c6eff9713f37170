/**
 * What the Python half calls back (src/python/wsgi_edge_bridge.py's host): one object per app, whose
 * methods name their request by the token `open` gave it.
 * @module
 */

import { createErrorStream, writeWholeLine } from '../core/error-stream.ts';
import type { ErrorStream, HeaderPair, StartResponse, WriteFn } from '../core/types.ts';
import { InterpreterDeadError, type Interpreter } from './interpreter.ts';

/** A marker passed as `excInfo`: the core throws it back when headers are already sent. */
const RERAISE = Symbol('reraise exc_info');

/** What `Hosts.start` answers: the Python half's START_ACCEPTED, START_RERAISE and START_REQUEST_OVER. */
const START_ACCEPTED = 0;
/** Python must re-raise its exc_info (headers were already sent). */
const START_RERAISE = 1;
/** The token's request is over: Python raises its own error. */
const START_REQUEST_OVER = 2;
type Started = typeof START_ACCEPTED | typeof START_RERAISE | typeof START_REQUEST_OVER;

/** One request's part of what Python calls back: the core's startResponse and write, and wsgi.errors. */
class Host {
  write: WriteFn | undefined;
  /** The traceback of what the app raised before it gave a body. */
  failure: string | undefined;

  readonly startResponse: StartResponse;
  readonly errors: ErrorStream;

  constructor(startResponse: StartResponse, errors: ErrorStream) {
    this.startResponse = startResponse;
    this.errors = errors;
  }
}

/**
 * What Python calls back, one object per app, handed to the Python half once (`Gateway.bind_host`), which
 * looks its methods up once: a `Host` per request crossing would cost Pyodide a new proxy per request and a
 * lookup of `start` on it (9 of a request's 35 imports from wasm, some 2.5-3 µs; bench/PROFILE.md).
 * Each call names its request by the token `open` gave it. Tokens are never reused and a request's
 * `Host` goes once the request is over for the core, so a start_response, write or wsgi.errors the app
 * kept past its request (or a generator's `finally` that Python's garbage collector runs during a later
 * request) never reaches another request: start_response and write raise in Python; wsgi.errors text goes
 * to `#late`, which hands whole lines to the `wsgi.errors` of the latest request, built by the core from
 * the same `GatewayOptions.errors`: the text reaches the same log, in lines of its own that neither join
 * a partial line of that request nor take in its later text.
 */
export class Hosts {
  /**
   * Replaced whenever it empties (after a batch, or a request served alone): a Map that had a batch's
   * requests deleted from it kept them reachable for V8's scavenger past two scavenges (bench/PROFILE.md).
   */
  #open = new Map<number, Host>();
  #lastToken = 0;
  readonly #interpreter: Interpreter;
  /** The latest request's `wsgi.errors`, for text written after its request was over. */
  #latestErrors: ErrorStream | undefined;
  readonly #late = createErrorStream((line) => {
    if (this.#latestErrors !== undefined) writeWholeLine(this.#latestErrors, line);
  });

  constructor(interpreter: Interpreter) {
    this.#interpreter = interpreter;
  }

  /** A new token for a request, until `close(token)`. */
  open(startResponse: StartResponse, errors: ErrorStream): number {
    const token = ++this.#lastToken;
    this.#open.set(token, new Host(startResponse, errors));
    this.#latestErrors = errors;
    return token;
  }

  /** The request is over: its token reaches nothing from now on. The traceback Python gave `fail`, if it did. */
  close(token: number): string | undefined {
    const failure = this.#open.get(token)?.failure;
    this.#open.delete(token);
    if (this.#open.size === 0) this.#open = new Map();
    return failure;
  }

  start(token: number, status: string, joinedHeaders: string | string[], withExcInfo: boolean): Started {
    const host = this.#open.get(token);
    if (host === undefined) return START_REQUEST_OVER;
    // Names and values joined by NUL, which no valid one holds (Python sends the list where one does).
    const flatHeaders = typeof joinedHeaders === 'string' ? (joinedHeaders === '' ? [] : joinedHeaders.split('\0')) : joinedHeaders;
    const headers: HeaderPair[] = [];
    for (let i = 0; i < flatHeaders.length; i += 2) headers.push([flatHeaders[i]!, flatHeaders[i + 1]!]);
    try {
      host.write = host.startResponse(status, headers, withExcInfo ? RERAISE : undefined);
      return START_ACCEPTED;
    } catch (error) {
      if (error === RERAISE) return START_RERAISE;
      throw error;
    }
  }

  /** `false` when the request is over. */
  write(token: number, bytes: Uint8Array): boolean {
    const host = this.#open.get(token);
    if (host === undefined) return false;
    host.write!(bytes);
    return true;
  }

  errors(token: number, text: string): void {
    (this.#open.get(token)?.errors ?? this.#late).write(text);
  }

  flush(token: number): void {
    (this.#open.get(token)?.errors ?? this.#late).flush();
  }

  fail(token: number, traceback: string): void {
    const host = this.#open.get(token);
    if (host !== undefined) host.failure = traceback;
  }

  fatal(reason: string): void {
    this.#interpreter.die(new InterpreterDeadError(`The Python interpreter stopped serving: ${reason}`));
  }
}
