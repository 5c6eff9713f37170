/**
 * The JavaScript half of the Python bridge: a Python WSGI callable, loaded in Pyodide, as an ordinary
 * `WsgiApp`. The core does all the protocol work (status and header checks, deferred headers, the body's
 * Content-Length, `close()` once); this module only moves values across, with as few crossings as it can:
 * one call into Python with the environ written into a buffer of Python's and the body as bytes, which
 * brings back the whole body when it is a list or ends within what the core pulls at once, and one per
 * pull of a longer body, which, when the app's `ChunkPool` has a buffer free, gathers what the body gives
 * at once, up to 1 MiB, in a bytearray of Python's that is then copied out into that buffer.
 * Its Python half is `wsgi_edge_bridge.py` beside it.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import { createErrorStream, writeWholeLine } from '../core/error-stream.ts';
import { listingEnviron } from '../core/gateway.ts';
import { RequestInput } from '../core/input.ts';
import { filledEnviron } from '../core/lazy-environ.ts';
import type { Environ, ErrorStream, HeaderPair, IncomingRequest, ResponseBody, StartResponse, WriteFn, WsgiApp } from '../core/types.ts';
import { InterpreterDeadError, PythonError, type Interpreter } from './interpreter.ts';
import { BodyFromPython, ChunkPool, type PulledBody } from './python-body.ts';
import { explainMissingStdlib } from './stdlib-gaps.ts';
import { WasmBytes, type PythonBytes } from './wasm-bytes.ts';

/** Where the bridge module lives in Pyodide's file system (on sys.path from the start). */
export const BRIDGE_MODULE = 'wsgi_edge_bridge';
export const BRIDGE_DIR = '/lib/wsgi_edge';

/**
 * What the Python half's `Gateway.call` gives back: the whole body (once copied into `environ_buffer`, its
 * length when it is ASCII, else the length negated; past that buffer's size, a string when it is ASCII,
 * else bytes), a pulled body (`PulledBody`), or nothing when it failed (the traceback went to `Hosts.fail`).
 */
type CallResult = number | string | Uint8Array | PulledBody | undefined;
interface PythonGateway extends PyProxy {
  /**
   * The environ as the number of bytes written into `environ_buffer` or as one NUL-joined string, with its
   * values that are not strings beside it; or as a flat list.
   */
  call: PyProxy & ((environ: number | string | unknown[], body: Uint8Array | undefined, token: number, ...objects: unknown[]) => CallResult);
  bind_host(host: Hosts): void;
  environ_buffer: PythonBytes;
  /** Made by the first pull that gathers into it (`Body.next`). */
  gather_buffer: PythonBytes | null | undefined;
}

export interface BridgeOptions {
  /**
   * `wsgi.multiprocess`; default `true`, what the core's environ says on every target (another process,
   * isolate or instance may serve the same app). `false` only where this process is known to be the only one.
   */
  multiprocess?: boolean;
  /**
   * Called once when the interpreter dies. The request that found out is answered 500 and every later
   * one too; a host should replace the process (the CLI exits, its workers are forked anew).
   */
  onFatal?: (error: InterpreterDeadError) => void;
}

/** Writes the bridge's Python source into Pyodide's file system and puts its folder on sys.path. */
export function installBridge(pyodide: PyodideInterface, source: string): void {
  pyodide.FS.mkdirTree(BRIDGE_DIR);
  pyodide.FS.writeFile(`${BRIDGE_DIR}/${BRIDGE_MODULE}.py`, source);
  pyodide.runPython(`import sys\nif ${JSON.stringify(BRIDGE_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(BRIDGE_DIR)})`);
}

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
class Hosts {
  readonly #open = new Map<number, Host>();
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

/** Keys the Python half sets itself (a file object there, not the core's JavaScript one). */
const PYTHON_OWN_KEYS: ReadonlySet<string> = new Set([
  'wsgi.version', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
  'wsgi.input_terminated', 'wsgi.file_wrapper', 'wsgi_edge.request',
]);

const utf8 = new TextEncoder();
/** ASCII is its own UTF-8: a whole body Python found ASCII is read as UTF-8 (the fastest decoder). */
const ascii = new TextDecoder();
/** Anything past Latin-1 (a platform extra, not a native string) crosses as Pyodide converts a string. */
const BEYOND_LATIN1 = /[^\0-\xff]/;

/**
 * The Python gateway's `environ_buffer`, a bytearray in wasm memory that the environ's UTF-8 is written
 * into, and a whole body is copied into on the way back: a copy there costs less than Pyodide's conversion
 * of a string character by character.
 */
class EnvironBuffer {
  readonly #bytes: WasmBytes;

  constructor(source: PythonBytes) {
    this.#bytes = new WasmBytes(source);
  }

  /** The number of bytes written, or undefined when `joined` does not fit or is not all Latin-1. */
  write(joined: string): number | undefined {
    const data = this.#bytes.data();
    if (joined.length > data.length || BEYOND_LATIN1.test(joined)) return undefined;
    const { read, written } = utf8.encodeInto(joined, data);
    return read === joined.length ? written : undefined;
  }

  /**
   * The whole body Python wrote there: `size` bytes of ASCII as a string (what the Node simple server
   * sends with the head in one write), or, given `-size`, a copy of those bytes.
   */
  read(size: number): string | Uint8Array {
    const data = this.#bytes.data();
    return size >= 0 ? ascii.decode(data.subarray(0, size)) : data.slice(0, -size);
  }
}


/**
 * The environ for Python: its keys and values joined by NUL, and the values that are not strings (platform
 * extras: `deno.info`, Lambda's event) as `[key, value, ...]` beside it, their keys in the string with an
 * empty value, which Python then replaces in place (the environ keeps its order). A string crosses for the
 * cost of its characters, where a list becomes a proxy that Python converts item by item. A NUL in a key
 * or value (a %00 in the path) sends the whole environ as such a list instead.
 */
function flatten(given: Environ): { joined: string; objects: unknown[] | undefined } | unknown[] {
  // Every key crosses. The core builds this app's environ at once (`listingEnviron`), but an app wrapped
  // around it may pass the lazy one on: its own object, filled, lists them without a Proxy trap per key.
  const environ = filledEnviron(given);
  let joined = '';
  let first = true;
  let objects: unknown[] | undefined;
  for (const key in environ) {
    const value = environ[key];
    if (value === undefined || PYTHON_OWN_KEYS.has(key)) continue;
    let text = '';
    if (typeof value === 'string') text = value;
    else (objects ??= []).push(key, value);
    if (text.includes('\0') || key.includes('\0')) return flattenToList(environ);
    joined = first ? `${key}\0${text}` : `${joined}\0${key}\0${text}`;
    first = false;
  }
  return { joined, objects };
}

function flattenToList(environ: Environ): unknown[] {
  const flat: unknown[] = [];
  for (const key in environ) {
    const value = environ[key];
    if (value === undefined || PYTHON_OWN_KEYS.has(key)) continue;
    flat.push(key, value);
  }
  return flat;
}

/**
 * The `WsgiApp` for `gateway`, a `wsgi_edge_bridge.Gateway`. The request body is read ahead (up to the
 * core's `maxBodyBytes`, 413 past it) because a Python app reads `wsgi.input` synchronously. A request
 * without a body is called at once, not after a read: the app then answers synchronously, and the core
 * without a promise.
 */
export function bridgeApp(gateway: PythonGateway, interpreter: Interpreter, options: BridgeOptions = {}): WsgiApp {
  interpreter.watch(options.onFatal);
  const pool = new ChunkPool(() => gateway.gather_buffer!);
  // The bound method, taken once: `gateway.call(...)` would make a new proxy of it (and register it for finalization) per request.
  const callGateway = gateway.call;
  const environBuffer = new EnvironBuffer(gateway.environ_buffer);
  const hosts = new Hosts(interpreter);
  // Given on the first request, not here: an app loaded to be snapshotted (`wsgi-edge snapshot`) must
  // leave Python holding no JavaScript object, which a memory snapshot cannot carry.
  let hostsBound = false;
  const call = (environ: Environ, startResponse: StartResponse, body: Uint8Array | undefined): ResponseBody => {
    if (!hostsBound) {
      interpreter.enter(() => gateway.bind_host(hosts));
      hostsBound = true;
    }
    const flat = flatten(environ);
    const token = hosts.open(startResponse, environ['wsgi.errors']);
    let result: CallResult;
    try {
      result = interpreter.enter(() => {
        if (Array.isArray(flat)) return callGateway(flat, body, token);
        const joined = environBuffer.write(flat.joined) ?? flat.joined;
        return flat.objects === undefined ? callGateway(joined, body, token) : callGateway(joined, body, token, ...flat.objects);
      });
    } catch (error) {
      hosts.close(token);
      throw error;
    }
    if (typeof result === 'object' && !(result instanceof Uint8Array)) return new BodyFromPython(result, interpreter, pool, () => hosts.close(token));
    const failure = hosts.close(token);
    if (result === undefined) throw new PythonError(failure ?? 'The Python app failed without a traceback');
    if (typeof result === 'number') return [environBuffer.read(result)];
    return [result];
  };
  // Every key crosses into Python, so a lazy environ would only be filled at once, at more cost.
  return listingEnviron((environ, startResponse) => {
    if (interpreter.dead) throw interpreter.dead;
    const input = environ['wsgi.input'];
    if (input instanceof RequestInput && hasNoBody(environ['wsgi_edge.request'])) return call(environ, startResponse, undefined);
    return input.read().then((body) => call(environ, startResponse, body.length > 0 ? body : undefined));
  });
}

/** The core's own input over a request that has no body at all (`wsgi.input` can only be empty). */
function hasNoBody(request: IncomingRequest | undefined): boolean {
  return request !== undefined && (request.body === null || (request.body instanceof Uint8Array && request.body.length === 0));
}

/**
 * Imports the app named by `spec` (gunicorn's `module:callable`, `module:factory(...)`: the bridge's
 * parse_app_spec) and wraps it in the bridge's Gateway. `env`, when given, becomes os.environ first
 * (the bridge's replace_environ), so that the app's import reads it.
 */
export function loadGateway(
  pyodide: PyodideInterface,
  spec: string,
  paths: readonly string[],
  multiprocess: boolean,
  env?: Readonly<Record<string, string>>,
): PythonGateway {
  const bridge = pyodide.pyimport(BRIDGE_MODULE) as PyProxy & {
    load_app(spec: string, paths: unknown): PyProxy;
    replace_environ(flatEnv: string[]): void;
    Gateway: (app: PyProxy, multiprocess: boolean) => PythonGateway;
  };
  try {
    if (env !== undefined) bridge.replace_environ(Object.entries(env).flat());
    let app: PyProxy;
    try {
      app = bridge.load_app(spec, [...paths]);
    } catch (error) {
      throw new Error(explainMissingStdlib(loadErrorMessage(error, spec), pyodide.version));
    }
    try {
      return bridge.Gateway(app, multiprocess);
    } finally {
      app.destroy();
    }
  } finally {
    bridge.destroy();
  }
}

/** The LoadError's own message (module, sys.path, traceback) without Pyodide's frames around it. */
function loadErrorMessage(error: unknown, spec: string): string {
  const text = String((error as Error | undefined)?.message ?? error).trimEnd();
  const marker = 'wsgi_edge_bridge.LoadError: ';
  const at = text.lastIndexOf(marker);
  return `wsgi-edge: cannot load the Python app ${JSON.stringify(spec)}: ${at === -1 ? text : text.slice(at + marker.length)}`;
}
