/**
 * The JavaScript half of the Python bridge: a Python WSGI callable, loaded in Pyodide, as an ordinary
 * `WsgiApp`. The core does all the protocol work (status and header checks, deferred headers, the body's
 * Content-Length, `close()` once); this module only moves values across, with as few crossings as it can:
 * one call into Python with the environ written into a buffer of Python's and the body as bytes, which
 * brings back the whole body when it is a list or ends within what the core pulls at once, and one per
 * pull of a longer body, which, when the app's `ChunkPool` has a buffer free, gathers what the body gives
 * at once, up to 1 MiB, and copies it into that buffer out of wasm memory, where the chunks lie.
 * Its Python half is `wsgi_edge_bridge.py` beside it.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import { listingEnviron, preparingApp } from '../core/gateway.ts';
import { RequestInput } from '../core/input.ts';
import { filledEnviron } from '../core/lazy-environ.ts';
import { FIELD_VALUE_PATTERN } from '../core/protocol.ts';
import type { Environ, IncomingRequest, ResponseBody, StartResponse, WsgiApp } from '../core/types.ts';
import { CallBatch, type Answer } from './call-batch.ts';
import { Hosts } from './hosts.ts';
import { InterpreterDeadError, PythonError, type Interpreter } from './interpreter.ts';
import { BodyFromPython, ChunkPool, type GatheredBuffers, type PulledBody } from './python-body.ts';
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
interface PythonGateway extends PyProxy, GatheredBuffers {
  /**
   * The environ as the number of bytes written into `environ_buffer` or as one NUL-joined string, with its
   * values that are not strings beside it; or as a flat list.
   */
  call: PyProxy & ((environ: number | string | unknown[], body: Uint8Array | undefined, token: number, ...objects: unknown[]) => CallResult);
  /**
   * The calls of a batch of requests without a body as one flat list (per request: its environ as `call`
   * takes it, its token, and how many of `objects` are its platform objects, key and value each).
   * Back, per request, three fields each ended by SOH: the status and joined headers of a `start_response`
   * kept for the host to hand to the core (else empty), then `call`'s result as a whole body's signed
   * length, `N` for a failure, or `O` for one that `take_batch_objects` gives. Fewer when the interpreter
   * died during the batch.
   */
  call_batch: PyProxy & ((calls: unknown[], ...objects: unknown[]) => string);
  take_batch_objects: PyProxy & (() => CallResult[]);
  /** Given the core's pattern of a header value, the Python half can tell which `start_response` the core is sure to accept. */
  bind_host(host: Hosts, fieldValuePattern: string): void;
  /** Holds proxies of these objects for the life of the interpreter (`PROXY_MAP_ANCHORS`). */
  hold(objects: object[]): void;
  environ_buffer: PythonBytes;
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
 * How many plain objects Python holds proxies of for good. Pyodide keeps every live proxy in one
 * JavaScript Map, long since in V8's old generation, where V8 also allocates the tables it grows or
 * shrinks it into; a table given up while holding a batch's platform objects (`deno.info`) keeps them,
 * and all they reach, through every young collection until the next full one (bench/PROFILE.md: the young
 * generation grew to 32 MiB and RSS by 40-50 MiB). Held, these keep the Map's table at 4,096 slots: never
 * under a quarter full (no shrinking), and more than half of a full table's slots deleted entries
 * (rehashed in place, once every few thousand proxies, rather than grown).
 */
export const PROXY_MAP_ANCHORS = 1100;

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

  /** The number of bytes written from `at`, or undefined when `joined` does not fit or is not all Latin-1. */
  write(joined: string, at = 0): number | undefined {
    const data = this.#bytes.data();
    if (at + joined.length > data.length || BEYOND_LATIN1.test(joined)) return undefined;
    const { read, written } = utf8.encodeInto(joined, data.subarray(at));
    return read === joined.length ? written : undefined;
  }

  /**
   * The whole body Python wrote there from `at`: `size` bytes of ASCII as a string (what the Node simple
   * server sends with the head in one write), or, given `-size`, a copy of those bytes.
   */
  read(size: number, at = 0): string | Uint8Array {
    const data = this.#bytes.data();
    return size >= 0 ? ascii.decode(data.subarray(at, at + size)) : data.slice(at, at - size);
  }
}


interface JoinedEnviron {
  joined: string;
  objects: unknown[] | undefined;
}

type FlatEnviron = JoinedEnviron | unknown[];

/** A request without a body, waiting for its batch: its environ, joined, and its token. */
interface BatchedRequest {
  readonly flat: JoinedEnviron;
  readonly token: number;
}

/**
 * The environ for Python: its keys and values joined by NUL, and the values that are not strings (platform
 * extras: `deno.info`, Lambda's event) as `[key, value, ...]` beside it, their keys in the string with an
 * empty value, which Python then replaces in place (the environ keeps its order). A string crosses for the
 * cost of its characters, where a list becomes a proxy that Python converts item by item. A NUL in a key
 * or value (a %00 in the path) sends the whole environ as such a list instead.
 */
function flatten(given: Environ): FlatEnviron {
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
  const pool = new ChunkPool(gateway);
  // The bound method, taken once: `gateway.call(...)` would make a new proxy of it (and register it for finalization) per request.
  const callGateway = gateway.call;
  const callBatch = gateway.call_batch;
  const takeBatchObjects = gateway.take_batch_objects;
  const environBuffer = new EnvironBuffer(gateway.environ_buffer);
  const hosts = new Hosts(interpreter);
  // Given on the first request, not here: an app loaded to be snapshotted (`wsgi-edge snapshot`) must
  // leave Python holding no JavaScript object, which a memory snapshot cannot carry.
  let hostsBound = false;
  const bindHosts = (): void => {
    if (hostsBound) return;
    interpreter.enter(() => gateway.bind_host(hosts, FIELD_VALUE_PATTERN));
    hostsBound = true;
  };
  const call = (environ: Environ, startResponse: StartResponse, body: Uint8Array | undefined): ResponseBody => {
    bindHosts();
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
    return finish(token, typeof result === 'number' ? environBuffer.read(result) : result);
  };
  /** The body of the request `token` names, out of what Python gave for it (a whole body read out of the buffer). */
  const finish = (token: number, result: Exclude<CallResult, number>): ResponseBody => {
    if (typeof result === 'object' && !(result instanceof Uint8Array)) return new BodyFromPython(result, interpreter, pool, () => hosts.close(token));
    const failure = hosts.close(token);
    if (result === undefined) throw new PythonError(failure ?? 'The Python app failed without a traceback');
    return [result];
  };
  let anchored = false;
  const batch = new CallBatch<BatchedRequest>((calls) => {
    // The environs one after another in the buffer while they fit, the rest as strings.
    const flatCalls: unknown[] = [];
    const allObjects: unknown[] = [];
    let written = 0;
    for (const { call: { flat, token } } of calls) {
      const size = environBuffer.write(flat.joined, written);
      if (size !== undefined) written += size;
      flatCalls.push(size ?? flat.joined, token, flat.objects?.length ?? 0);
      // As arguments, as call() takes them: a list would cross as a proxy to convert.
      if (flat.objects !== undefined) allObjects.push(...flat.objects);
    }
    let fields: string[];
    let objects: CallResult[] = [];
    try {
      fields = interpreter.enter(() => {
        // At the first batch, not at load: a server that never batches (Workers, Lambda) starts without them.
        if (!anchored) {
          gateway.hold(Array.from({ length: PROXY_MAP_ANCHORS }, () => ({})));
          anchored = true;
        }
        const meta = callBatch(flatCalls, ...allObjects);
        if (meta.includes('\x01O\x01')) objects = takeBatchObjects();
        return meta.split('\x01');
      });
    } catch (error) {
      return calls.map(({ call }) => failed(call.token, error));
    }
    let at = 0;
    let nextObject = 0;
    return calls.map(({ call }, i) => {
      // Fewer fields: the interpreter died in an earlier app of the batch, and this one never ran.
      if (3 * i + 3 >= fields.length) return failed(call.token, interpreter.dead ?? new InterpreterDeadError('The Python interpreter stopped serving'));
      const field = fields[3 * i + 2]!;
      let result: Exclude<CallResult, number>;
      if (field === 'N') result = undefined;
      else if (field === 'O') result = objects[nextObject++] as Exclude<CallResult, number>;
      else {
        // Read now: the next call into Python may write over the buffer.
        const size = Number(field);
        result = environBuffer.read(size, at);
        at += Math.abs(size);
      }
      return answer(call.token, fields[3 * i]!, fields[3 * i + 1]!, result);
    });
  });
  /** A batched request's answer: the start_response Python kept for it goes to the core first. */
  const answer = (token: number, status: string, headers: string, result: Exclude<CallResult, number>): Answer => () => {
    if (status !== '' && result !== undefined) {
      try {
        hosts.start(token, status, headers, false);
      } catch (error) {
        // Python keeps only what the core took before, so the core refuses nothing here; were it to, the
        // request fails as if the app had raised it, and its body is still closed.
        const body = finish(token, result);
        if (body instanceof BodyFromPython) body.close();
        throw error;
      }
    }
    return finish(token, result);
  };
  const failed = (token: number, error: unknown): Answer => () => {
    hosts.close(token);
    throw error;
  };
  const app: WsgiApp = (environ, startResponse) => {
    // A batched call has run already, even one that ended the interpreter: its request gets what it gave.
    const batched = batch.take(environ);
    if (batched !== undefined) return batched();
    if (interpreter.dead) throw interpreter.dead;
    const input = environ['wsgi.input'];
    if (input instanceof RequestInput && hasNoBody(environ['wsgi_edge.request'])) return call(environ, startResponse, undefined);
    return input.read().then((body) => call(environ, startResponse, body.length > 0 ? body : undefined));
  };
  // A request without a body, prepared with others, is called with theirs (`CallBatch`); its app then
  // answers from what that call gave.
  const prepare = (environ: Environ, startResponse: StartResponse): void => {
    if (interpreter.dead || !(environ['wsgi.input'] instanceof RequestInput) || !hasNoBody(environ['wsgi_edge.request']) || !batch.accepting()) return;
    const flat = flatten(environ);
    // An environ with a NUL in it (a %00 in the path) crosses as a list, in a call of its own.
    if (Array.isArray(flat)) return;
    bindHosts();
    batch.add(environ, { flat, token: hosts.open(startResponse, environ['wsgi.errors']) });
  };
  // Every key crosses into Python, so a lazy environ would only be filled at once, at more cost.
  return preparingApp(listingEnviron(app), prepare);
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
