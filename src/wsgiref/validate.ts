/**
 * `wsgi-edge/validate`: `validator(app)`, the port of `wsgiref.validate`, a middleware that checks an
 * app and its server against PEP 3333 as they talk: the environ, the `startResponse` arguments, the
 * use of `wsgi.input`, `wsgi.errors` and `write()`, and the body iterable, including that `close()`
 * is called. It changes nothing in the request or the response.
 *
 * Every check of CPython's `validate.py` is here, adapted where this library differs from Python:
 * `wsgi.input` methods are async and give `Uint8Array`; a chunk may be a string (sent as UTF-8);
 * headers are `[name, value]` arrays; `excInfo` is the caught error, not a triple. A failed check
 * throws a `WsgiValidationError` (Python's `AssertionError`) whose message quotes the bad value; a
 * warning (Python's `WSGIWarning`) goes to `onWarning`, by default to the request's `wsgi.errors`.
 * @module
 */

import type {
  Chunk,
  Environ,
  ErrorStream,
  HeaderPair,
  InputStream,
  ResponseBody,
  StartResponse,
  WriteFn,
  WsgiApp,
} from '../core/types.ts';

/** A broken rule of PEP 3333, found by `validator()`. */
export class WsgiValidationError extends Error {
  override readonly name = 'WsgiValidationError';
}

export interface ValidatorOptions {
  /** Where warnings go, one message each. Default: a `WSGIWarning: …` line on the request's `wsgi.errors`. */
  onWarning?: (message: string) => void;
}

type Warn = (message: string) => void;

/** CGI header names as `validate.py` accepts them. */
const HEADER_NAME = /^[a-zA-Z][a-zA-Z0-9\-_]*$/;
/** `validate.py` refuses every C0 control character in a value, TAB included. */
const BAD_HEADER_VALUE = /[\x00-\x1f]/;
const NON_LATIN1 = /[^\x00-\xff]/;
/** What Python's `str.split()` splits on. */
const PY_WHITESPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
/** What Python's `int()` accepts (ASCII digits). */
const PY_INT = /^[+-]?\d(?:_?\d)*$/;
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'OPTIONS', 'PATCH', 'PUT', 'DELETE', 'TRACE']);
const REQUIRED_KEYS = [
  'REQUEST_METHOD',
  'SERVER_NAME',
  'SERVER_PORT',
  'wsgi.version',
  'wsgi.input',
  'wsgi.errors',
  'wsgi.multithread',
  'wsgi.multiprocess',
  'wsgi.run_once',
] as const;
const NO_MESSAGE_BODY: ReadonlySet<number> = new Set([204, 304]);

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new WsgiValidationError(message);
}

/**
 * Wraps `app` in the lint middleware. Put it between a gateway (`handle()`, a target, the simple
 * server) and an app, in tests and during development.
 */
export function validator(app: WsgiApp, options: ValidatorOptions = {}): WsgiApp {
  function lintApp(...args: unknown[]): ResponseBody | Promise<ResponseBody> {
    assert(args.length === 2, `Two arguments required (got ${args.length})`);
    const [environ, startResponse] = args as [Environ, StartResponse];
    const warn = options.onWarning ?? warnTo(environ);
    checkEnviron(environ, warn);
    assert(typeof startResponse === 'function', `startResponse must be a function (got ${describe(startResponse)})`);

    // Whether startResponse ran before the body's first chunk was asked for.
    const started = { value: false };

    const startResponseWrapper = (...srArgs: unknown[]): WriteFn => {
      assert(srArgs.length === 2 || srArgs.length === 3, `Invalid number of arguments: ${quote(srArgs)}`);
      const [status, headers, excInfo] = srArgs;
      checkStatus(status, warn);
      checkHeaders(headers);
      checkContentType(status as string, headers as HeaderPair[]);
      checkExcInfo(excInfo);
      started.value = true;
      return writeWrapper((startResponse as (...a: unknown[]) => WriteFn)(...srArgs));
    };

    environ['wsgi.input'] = new InputWrapper(environ['wsgi.input'], warn);
    environ['wsgi.errors'] = new ErrorWrapper(environ['wsgi.errors']);

    const result = app(environ, startResponseWrapper as StartResponse);
    const finish = (iterator: ResponseBody): ResponseBody => {
      assert(
        iterator !== null && iterator !== undefined && (iterator as unknown) !== false && (iterator as unknown) !== 0,
        `The application must return an iterator, if only an empty list (got ${quote(iterator)})`,
      );
      checkIterator(iterator);
      return new IteratorWrapper(iterator, started, warn);
    };
    return isThenable(result) ? Promise.resolve(result).then(finish) : finish(result);
  }
  return lintApp as WsgiApp;
}

/** The default `onWarning`: a line on the request's own `wsgi.errors`, as Python's warnings reach stderr. */
function warnTo(environ: unknown): Warn {
  const errors = (environ as Partial<Environ> | null)?.['wsgi.errors'];
  return (message) => {
    if (errors && typeof errors.write === 'function') {
      errors.write(`WSGIWarning: ${message}\n`);
      if (typeof errors.flush === 'function') errors.flush();
    } else {
      console.warn(`WSGIWarning: ${message}`);
    }
  };
}

/** `wsgi.input` as the app sees it under the validator: checks every call and every result. */
class InputWrapper implements InputStream {
  readonly input: InputStream;
  readonly #warn: Warn;

  constructor(input: InputStream, warn: Warn) {
    this.input = input;
    this.#warn = warn;
  }

  async read(...args: unknown[]): Promise<Uint8Array> {
    assert(args.length <= 1, `wsgi.input.read() takes one argument, a size (got ${quote(args)})`);
    if (args.length === 0 || args[0] === undefined) {
      // PEP 3333 asks servers to allow it and this library does; CPython's validator refuses it,
      // since some servers do not: only a warning here.
      this.#warn('wsgi.input.read() called without a size; some WSGI servers require one');
    } else {
      checkSize('read', args[0]);
    }
    const bytes = await (this.input.read as (...a: unknown[]) => Promise<unknown>)(...args);
    assert(bytes instanceof Uint8Array, `wsgi.input.read() must give a Uint8Array (got ${describe(bytes)})`);
    return bytes;
  }

  async readline(...args: unknown[]): Promise<Uint8Array> {
    assert(args.length <= 1, `wsgi.input.readline() takes at most one argument (got ${quote(args)})`);
    if (args[0] !== undefined) checkSize('readline', args[0]);
    const line = await (this.input.readline as (...a: unknown[]) => Promise<unknown>)(...args);
    assert(line instanceof Uint8Array, `wsgi.input.readline() must give a Uint8Array (got ${describe(line)})`);
    return line;
  }

  async readlines(...args: unknown[]): Promise<Uint8Array[]> {
    assert(args.length <= 1, `wsgi.input.readlines() takes at most one argument (got ${quote(args)})`);
    if (args[0] !== undefined) checkSize('readlines', args[0]);
    const lines = await (this.input.readlines as (...a: unknown[]) => Promise<unknown>)(...args);
    assert(Array.isArray(lines), `wsgi.input.readlines() must give an array (got ${describe(lines)})`);
    for (const line of lines as unknown[]) {
      assert(line instanceof Uint8Array, `wsgi.input.readlines() must give Uint8Array lines (got ${describe(line)})`);
    }
    return lines as Uint8Array[];
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  close(): never {
    assert(false, 'input.close() must not be called');
  }
}

function checkSize(method: string, size: unknown): void {
  assert(
    size === null || (typeof size === 'number' && Number.isInteger(size)),
    `wsgi.input.${method}() size must be an integer (got ${quote(size)})`,
  );
}

/** `wsgi.errors` as the app sees it under the validator. */
class ErrorWrapper implements ErrorStream {
  readonly errors: ErrorStream;

  constructor(errors: ErrorStream) {
    this.errors = errors;
  }

  write(text: string): void {
    assert(typeof text === 'string', `wsgi.errors.write() takes a string (got ${describe(text)})`);
    this.errors.write(text);
  }

  flush(): void {
    this.errors.flush();
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  close(): never {
    assert(false, 'errors.close() must not be called');
  }
}

/** The `write()` callable as the app sees it: one chunk, bytes or a string. */
function writeWrapper(write: WriteFn): WriteFn {
  return (...args: unknown[]) => {
    assert(args.length === 1, `write() takes exactly one chunk (got ${quote(args)})`);
    const chunk = args[0];
    assert(isChunk(chunk), `write() takes a Uint8Array or a string (got ${describe(chunk)})`);
    write(chunk);
  };
}

/** Reports a body iterable that was garbage collected without `close()` (it cannot be thrown then). */
const unclosed = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Warn>((warn) => warn('Iterator garbage collected without being closed'))
  : undefined;

/** The body as the server sees it under the validator. Always async; has no length, as in CPython. */
class IteratorWrapper implements AsyncIterableIterator<Chunk> {
  readonly originalIterator: ResponseBody;
  closed = false;
  readonly #iterator: Iterator<unknown> | AsyncIterator<unknown>;
  #started: { value: boolean } | undefined;

  constructor(body: ResponseBody, started: { value: boolean }, warn: Warn) {
    this.originalIterator = body;
    this.#iterator = iteratorOf(body);
    this.#started = started;
    unclosed?.register(this, warn, this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Chunk, undefined>> {
    assert(!this.closed, 'Iterator read after closed');
    const result = await this.#iterator.next();
    if (result.done) return { done: true, value: undefined };
    const chunk: unknown = result.value;
    assert(isChunk(chunk), `Iterator yielded non-bytestring (${describe(chunk)}); chunks are Uint8Array or string`);
    if (this.#started !== undefined) {
      assert(
        this.#started.value,
        'The application returns and we started iterating over its body, but start_response has not yet been called',
      );
      this.#started = undefined;
    }
    return { done: false, value: chunk };
  }

  /** The server stopped early: passed on so a generator's `finally` runs. */
  async return(): Promise<IteratorResult<Chunk, undefined>> {
    await this.#iterator.return?.();
    return { done: true, value: undefined };
  }

  close(): void | Promise<void> {
    this.closed = true;
    unclosed?.unregister(this);
    const close = this.originalIterator.close;
    if (typeof close === 'function') return close.call(this.originalIterator);
  }
}

function iteratorOf(body: ResponseBody): Iterator<unknown> | AsyncIterator<unknown> {
  const asyncIterate = (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof asyncIterate === 'function') return asyncIterate.call(body);
  const iterate = (body as Partial<Iterable<unknown>>)[Symbol.iterator];
  if (typeof iterate === 'function') return iterate.call(body);
  throw new WsgiValidationError(`The application must return an iterable of chunks (got ${describe(body)})`);
}

function checkEnviron(environ: unknown, warn: Warn): asserts environ is Environ {
  // Not through assert(): its message would be built on every request, and quoting a whole environ
  // (a Lambda event, a body held as bytes) costs seconds when the environ is large.
  if (!isPlainObject(environ)) {
    throw new WsgiValidationError(`Environment is not of the right type: ${typeName(environ)} (environment: ${quote(environ)})`);
  }
  const env = environ as Record<string, unknown>;
  for (const key of REQUIRED_KEYS) {
    assert(Object.hasOwn(env, key), `Environment missing required key: ${quote(key)}`);
  }
  for (const key of ['HTTP_CONTENT_TYPE', 'HTTP_CONTENT_LENGTH']) {
    assert(!Object.hasOwn(env, key), `Environment should not have the key: ${key} (use ${key.slice(5)} instead)`);
  }
  if (!Object.hasOwn(env, 'QUERY_STRING')) {
    warn(
      'QUERY_STRING is not in the WSGI environment; the cgi module will use sys.argv when this variable ' +
        'is missing, so application errors are more likely',
    );
  }
  for (const key of Object.keys(env)) {
    // A key with a "." is an extension: its type is its own business.
    if (key.includes('.')) continue;
    assert(
      typeof env[key] === 'string',
      `Environmental variable ${key} is not a string: ${typeName(env[key])} (value: ${quote(env[key])})`,
    );
  }
  const version = env['wsgi.version'];
  assert(
    Array.isArray(version) && version.length === 2 && version.every((part) => Number.isInteger(part)),
    `wsgi.version should be a [major, minor] array (got ${quote(version)})`,
  );
  const scheme = env['wsgi.url_scheme'];
  assert(scheme === 'http' || scheme === 'https', `wsgi.url_scheme unknown: ${quote(scheme)}`);

  checkInput(env['wsgi.input']);
  checkErrors(env['wsgi.errors']);

  const method = env.REQUEST_METHOD as string;
  if (!KNOWN_METHODS.has(method)) warn(`Unknown REQUEST_METHOD: ${quote(method)}`);

  const scriptName = env.SCRIPT_NAME as string | undefined;
  const pathInfo = env.PATH_INFO as string | undefined;
  assert(!scriptName || scriptName.startsWith('/'), `SCRIPT_NAME doesn't start with /: ${quote(scriptName)}`);
  assert(!pathInfo || pathInfo.startsWith('/'), `PATH_INFO doesn't start with /: ${quote(pathInfo)}`);
  const contentLength = env.CONTENT_LENGTH as string | undefined;
  if (contentLength) {
    const trimmed = contentLength.trim();
    assert(PY_INT.test(trimmed) && Number(trimmed.replaceAll('_', '')) >= 0, `Invalid CONTENT_LENGTH: ${quote(contentLength)}`);
  }
  if (!scriptName) {
    assert(
      Object.hasOwn(env, 'PATH_INFO'),
      "One of SCRIPT_NAME or PATH_INFO are required (PATH_INFO should at least be '/' if SCRIPT_NAME is empty)",
    );
  }
  assert(scriptName !== '/', "SCRIPT_NAME cannot be '/'; it should instead be '', and PATH_INFO should be '/'");
}

function checkInput(input: unknown): void {
  for (const method of ['read', 'readline', 'readlines', Symbol.asyncIterator] as const) {
    assert(
      hasMethod(input, method),
      `wsgi.input (${describe(input)}) doesn't have the method ${String(method)}`,
    );
  }
}

function checkErrors(errors: unknown): void {
  for (const method of ['flush', 'write', 'writelines'] as const) {
    assert(hasMethod(errors, method), `wsgi.errors (${describe(errors)}) doesn't have the method ${method}`);
  }
}

/** The status code as Python's `int(status.split(None, 1)[0])` reads it, after the length check. */
function statusCode(status: string): number {
  const code = status.split(PY_WHITESPACE).find((part) => part !== '') ?? '';
  assert(code.length === 3, `Status codes must be three characters: ${quote(code)}`);
  assert(PY_INT.test(code), `Status code must be an integer: ${quote(code)}`);
  return Number(code.replaceAll('_', ''));
}

function checkStatus(status: unknown, warn: Warn): void {
  assert(typeof status === 'string', `Status must be of type string (got ${quote(status)})`);
  const code = statusCode(status);
  assert(code >= 100, `Status code is invalid: ${code}`);
  if (status.length < 4 || status[3] !== ' ') {
    warn(
      `The status string (${quote(status)}) should be a three-digit integer followed by a single space ` +
        'and a status explanation',
    );
  }
}

function checkHeaders(headers: unknown): void {
  assert(Array.isArray(headers), `Headers (${quote(headers)}) must be an array: ${typeName(headers)}`);
  for (const item of headers as unknown[]) {
    assert(Array.isArray(item), `Individual headers (${quote(item)}) must be [name, value] arrays: ${typeName(item)}`);
    assert(item.length === 2, `Individual headers must be [name, value] (got ${quote(item)})`);
    const [name, value] = item as unknown[];
    assert(typeof name === 'string', `Header name must be of type string (got ${quote(name)})`);
    assert(typeof value === 'string', `Header value must be of type string (got ${quote(value)})`);
    assert(
      name.toLowerCase() !== 'status',
      'The Status header cannot be used; it conflicts with CGI script, and HTTP status is not given ' +
        `through headers (value: ${quote(value)}).`,
    );
    assert(!name.includes('\n') && !name.includes(':'), `Header names may not contain ':' or '\\n': ${quote(name)}`);
    assert(HEADER_NAME.test(name), `Bad header name: ${quote(name)}`);
    assert(!name.endsWith('-') && !name.endsWith('_'), `Names may not end in '-' or '_': ${quote(name)}`);
    const bad = BAD_HEADER_VALUE.exec(value);
    assert(bad === null, `Bad header value: ${quote(value)} (bad char: ${quote(bad?.[0])})`);
    // This library sends header values as latin-1 bytes (PEP 3333 native strings).
    const wide = NON_LATIN1.exec(value);
    assert(wide === null, `Header value must be a native (latin-1) string: ${quote(value)} (bad char: ${quote(wide?.[0])})`);
  }
}

function checkContentType(status: string, headers: HeaderPair[]): void {
  const code = statusCode(status);
  for (const [name] of headers) {
    if (name.toLowerCase() === 'content-type') {
      if (!NO_MESSAGE_BODY.has(code)) return;
      assert(false, `Content-Type header found in a ${code} response, which must not return content.`);
    }
  }
  assert(NO_MESSAGE_BODY.has(code), `No Content-Type header found in headers (${quote(headers)})`);
}

/** `excInfo` is the caught error itself; Python's `(type, value, traceback)` triple is a porting slip. */
function checkExcInfo(excInfo: unknown): void {
  assert(
    !Array.isArray(excInfo),
    `excInfo (${quote(excInfo)}) must be the caught error itself, not a [type, value, traceback] array`,
  );
}

function checkIterator(iterator: unknown): void {
  // A string or a byte array is iterable, one character or number at a time: never what was meant.
  assert(
    typeof iterator !== 'string' && !ArrayBuffer.isView(iterator) && !(iterator instanceof ArrayBuffer),
    'You should not return a string as your application iterator, instead return a single-item list containing a bytestring.',
  );
}

function isChunk(value: unknown): value is Chunk {
  return typeof value === 'string' || value instanceof Uint8Array;
}

function isThenable(value: unknown): value is PromiseLike<ResponseBody> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasMethod(value: unknown, name: PropertyKey): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  return typeof (value as Record<PropertyKey, unknown>)[name] === 'function';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
}

/** A value for a message: JSON where it has one, else its type. */
function quote(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return String(value);
  if (ArrayBuffer.isView(value)) return describe(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `<${typeName(value)}>`;
  }
}

/** A value for a message when its contents may be large or opaque: type, and JSON for small values. */
function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${typeName(value)}(${(value as ArrayBufferView).byteLength} bytes)`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isPlainObject(value)) {
    return `<${typeName(value)} object>`;
  }
  return quote(value);
}
