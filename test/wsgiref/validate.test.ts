/**
 * `validator()`: the validator rows of CPython's `test_wsgiref.IntegrationTests` through `handle()`,
 * then one deliberately broken app (or environ, or server) per check of `validate.py` (V1-V52, W1-W3
 * in the reference's §1.5 numbering), then the adaptations, then the garbage-collection report.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RequestInput } from '../../src/core/input.ts';
import type { Environ, ResponseBody, StartResponse, WsgiApp } from '../../src/core/types.ts';
import { setupTestingDefaults, StringErrorStream, type EnvironLike } from '../../src/wsgiref/util.ts';
import { validator, WsgiValidationError } from '../../src/wsgiref/validate.ts';
import { call, callText } from '../helpers/call.ts';

const SERVER_ERROR = 'A server error occurred.  Please contact the administrator.';
const utf8 = new TextEncoder();

/** `hello_app` of test_wsgiref.py. */
const helloApp: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [
    ['Content-Type', 'text/plain'],
    ['Date', 'Mon, 05 Jun 2006 18:49:54 GMT'],
  ]);
  return [utf8.encode('Hello, world!')];
};

describe('IntegrationTests (test_wsgiref.py), through handle()', () => {
  it('test_plain_hello / test_validated_hello: the validator hides the length, so no Content-Length', async () => {
    const plain = await callText(helloApp);
    expect(plain.response.headers.get('content-length')).toBe('13');
    const validated = await callText(validator(helloApp));
    expect(validated.response.status).toBe(200);
    expect([...validated.response.headers]).toEqual([
      ['content-type', 'text/plain'],
      ['date', 'Mon, 05 Jun 2006 18:49:54 GMT'],
    ]);
    expect(validated.text).toBe('Hello, world!');
    expect(validated.log).toEqual([]);
  });

  it('test_simple_validation_error: headers that are not an array', async () => {
    const badApp: WsgiApp = (_environ, startResponse) => {
      startResponse('200 OK', { 'Content-Type': 'text/plain' } as never);
      return ['Hello, world!'];
    };
    const { response, text, log } = await callText(validator(badApp));
    expect(response.status).toBe(500);
    expect(text.endsWith(SERVER_ERROR)).toBe(true);
    expect(log.join('\n')).toContain('WsgiValidationError: Headers ({"Content-Type":"text/plain"}) must be an array: Object');
  });

  it('test_status_validation_errors: the gateway refuses these statuses (no validator)', async () => {
    for (const status of ['200', '20X OK', '200OK']) {
      const badApp: WsgiApp = (_environ, startResponse) => {
        startResponse(status, [['Content-Type', 'text/plain; charset=utf-8']]);
        return ['Hello, world!'];
      };
      const { response, text, log } = await callText(badApp);
      expect(response.status, status).toBe(500);
      expect(text).toBe(SERVER_ERROR);
      expect(log.join('\n'), status).toContain(JSON.stringify(status));
    }
  });

  it('test_wsgi_input: read() without a size is a warning here (PEP 3333 lets servers allow it)', async () => {
    const badApp: WsgiApp = async (environ, startResponse) => {
      await environ['wsgi.input'].read();
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
      return [utf8.encode('data')];
    };
    const { response, text, log } = await callText(validator(badApp), '/', { method: 'POST', body: 'x' });
    expect(response.status).toBe(200);
    expect(text).toBe('data');
    expect(log).toEqual(['WSGIWarning: wsgi.input.read() called without a size; some WSGI servers require one']);
  });

  it('test_bytes_validation', async () => {
    const app: WsgiApp = (_environ, startResponse) => {
      startResponse('200 OK', [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Date', 'Wed, 24 Dec 2008 13:29:32 GMT'],
      ]);
      return [utf8.encode('data')];
    };
    const { response, text } = await callText(validator(app));
    expect(response.status).toBe(200);
    expect([...response.headers]).toEqual([
      ['content-type', 'text/plain; charset=utf-8'],
      ['date', 'Wed, 24 Dec 2008 13:29:32 GMT'],
    ]);
    expect(text).toBe('data');
  });

  it('test_cp1252_url: PATH_INFO holds one character per byte (percent-escaped here: Fetch URLs are UTF-8)', async () => {
    const app: WsgiApp = (environ, startResponse) => {
      startResponse('200 OK', [
        ['Content-Type', 'text/plain'],
        ['Date', 'Wed, 24 Dec 2008 13:29:32 GMT'],
      ]);
      return [Uint8Array.from(environ.PATH_INFO, (char) => char.charCodeAt(0))];
    };
    const { response } = await call(validator(app), '/%80%80');
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0x2f, 0x80, 0x80]);
  });
});

// ---------------------------------------------------------------------------------------------------
// One broken app, environ or server per check. `lint()` calls the validated app directly.

/** A valid environ, as a server would give it. */
function environ(extra: EnvironLike = {}, body?: string): Environ {
  const env = setupTestingDefaults({ QUERY_STRING: '', ...extra });
  if (body !== undefined) env['wsgi.input'] = new RequestInput(new Blob([body]).stream(), Infinity);
  return env;
}

const noopStart: StartResponse = () => () => undefined;
const TEXT: [string, string][] = [['Content-Type', 'text/plain']];

interface Linted {
  body: ResponseBody;
  warnings: string[];
}

async function lint(app: WsgiApp, env: Environ = environ(), start: StartResponse = noopStart): Promise<Linted> {
  const warnings: string[] = [];
  const body = await validator(app, { onWarning: (message) => warnings.push(message) })(env, start);
  return { body, warnings };
}

/** Runs the body as a server does: every chunk, then close(). */
async function drain(body: ResponseBody): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of body as AsyncIterable<unknown>) chunks.push(chunk);
  await body.close?.();
  return chunks;
}

/** The app calls startResponse with `args` and returns `body`. */
function starting(args: unknown[], ...body: unknown[]): WsgiApp {
  return (_environ, startResponse) => {
    (startResponse as (...a: unknown[]) => unknown)(...args);
    return (body.length > 0 ? body[0] : ['x']) as ResponseBody;
  };
}

const okApp = starting(['200 OK', TEXT]);

async function expectFailure(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(WsgiValidationError);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

describe('validator: lint_app and start_response arguments', () => {
  it('V1: the app is called with exactly two arguments', async () => {
    const app = validator(okApp) as (...args: unknown[]) => unknown;
    expect(() => app(environ())).toThrow(new WsgiValidationError('Two arguments required (got 1)'));
    expect(() => app(environ(), noopStart, {})).toThrow('Two arguments required (got 3)');
  });

  it('V3: startResponse takes 2 or 3 arguments', async () => {
    await expectFailure(lint(starting(['200 OK'])), 'Invalid number of arguments: ["200 OK"]');
    await expectFailure(
      lint(starting(['200 OK', TEXT, undefined, 1])),
      'Invalid number of arguments: ["200 OK",[["Content-Type","text/plain"]],null,1]',
    );
    await drain((await lint(starting(['200 OK', TEXT, undefined]))).body);
  });

  it('V5: the app must return an iterable, if only an empty array', async () => {
    for (const result of [undefined, null, false, 0]) {
      await expectFailure(lint(starting(['200 OK', TEXT], result)), /^The application must return an iterator, if only an empty list/);
    }
    await expectFailure(lint(starting(['200 OK', TEXT], { a: 1 })), 'The application must return an iterable of chunks (got {"a":1})');
    await drain((await lint(starting(['200 OK', TEXT], []))).body);
  });

  it('V52: a string or bytes as the body itself', async () => {
    for (const result of ['Hello', utf8.encode('Hello')]) {
      await expectFailure(lint(starting(['200 OK', TEXT], result)), /^You should not return a string as your application iterator/);
    }
  });

  it('never serializes a valid environ (a large extra key, such as a Lambda event, costs nothing)', async () => {
    let serialized = 0;
    const large = { toJSON: () => { serialized++; return 'x'.repeat(16); } };
    const { response } = await callText(validator(helloApp), '/', {}, { environ: { 'aws_lambda.event': large } });
    expect(response.status).toBe(200);
    expect(serialized).toBe(0);
  });

  it('async apps are checked the same way', async () => {
    const asyncApp: WsgiApp = async (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      return 'Hello' as unknown as ResponseBody;
    };
    await expectFailure(lint(asyncApp), /^You should not return a string/);
  });
});

describe('validator: check_status (V36-V38, W3)', () => {
  const status = (value: unknown) => lint(starting([value, TEXT]));

  it('fails on a status that is not a string or has no three-character code', async () => {
    await expectFailure(status(200), 'Status must be of type string (got 200)');
    await expectFailure(status(utf8.encode('200 OK')), /^Status must be of type string/);
    await expectFailure(status('20 OK'), 'Status codes must be three characters: "20"');
    await expectFailure(status('200OK'), 'Status codes must be three characters: "200OK"');
    await expectFailure(status('1000 X'), 'Status codes must be three characters: "1000"');
    await expectFailure(status(''), 'Status codes must be three characters: ""');
    await expectFailure(status('abc OK'), 'Status code must be an integer: "abc"');
    await expectFailure(status('099 Continue?'), 'Status code is invalid: 99');
  });

  it('W3: warns on a status without "NNN Reason"', async () => {
    for (const value of ['200', '200\tOK', ' 200 OK']) {
      const { warnings } = await lint(starting([value, TEXT]));
      expect(warnings, JSON.stringify(value)).toEqual([
        `The status string (${JSON.stringify(value)}) should be a three-digit integer followed by a single space and a status explanation`,
      ]);
    }
    expect((await lint(starting(['200 ', TEXT]))).warnings).toEqual([]);
  });
});

describe('validator: check_headers (V39-V48) and check_content_type (V49-V50)', () => {
  const headers = (value: unknown, statusLine = '200 OK') => lint(starting([statusLine, value]));

  it('fails on each malformed header list or header', async () => {
    await expectFailure(headers(new Headers(TEXT)), 'Headers ({}) must be an array: Headers');
    await expectFailure(headers([{ name: 'a' }]), 'Individual headers ({"name":"a"}) must be [name, value] arrays: Object');
    await expectFailure(headers([['a', 'b', 'c']]), 'Individual headers must be [name, value] (got ["a","b","c"])');
    await expectFailure(headers([[1, 'b']]), 'Header name must be of type string (got 1)');
    await expectFailure(headers([['a', 2]]), 'Header value must be of type string (got 2)');
    await expectFailure(
      headers([['Status', '200']]),
      'The Status header cannot be used; it conflicts with CGI script, and HTTP status is not given through headers (value: "200").',
    );
    await expectFailure(headers([['X:Y', '1']]), `Header names may not contain ':' or '\\n': "X:Y"`);
    await expectFailure(headers([['X\nY', '1']]), `Header names may not contain ':' or '\\n': "X\\nY"`);
    await expectFailure(headers([['X Y', '1']]), 'Bad header name: "X Y"');
    await expectFailure(headers([['1X', '1']]), 'Bad header name: "1X"');
    await expectFailure(headers([['X-', '1']]), `Names may not end in '-' or '_': "X-"`);
    await expectFailure(headers([['X_', '1']]), `Names may not end in '-' or '_': "X_"`);
    await expectFailure(headers([['X', 'a\nb']]), 'Bad header value: "a\\nb" (bad char: "\\n")');
    await expectFailure(headers([['X', 'a\tb']]), 'Bad header value: "a\\tb" (bad char: "\\t")');
  });

  it('passes DEL, latin-1 and "_" in names; refuses characters above U+00FF (adaptation)', async () => {
    for (const ok of [[['X', 'a\x7fb']], [['X', '\xe9']], [['X-Foo_Bar', '1']]]) {
      await drain((await headers([...TEXT, ...ok])).body);
    }
    await expectFailure(headers([...TEXT, ['X', '\u20ac']]), 'Header value must be a native (latin-1) string: "\u20ac" (bad char: "\u20ac")');
  });

  it('Content-Type: required, except on 204 and 304 where it is refused', async () => {
    await expectFailure(headers([]), 'No Content-Type header found in headers ([])');
    await expectFailure(headers([['X', '1']], '404 Not Found'), 'No Content-Type header found in headers ([["X","1"]])');
    await expectFailure(headers([['content-type', 'x']], '204 No Content'), 'Content-Type header found in a 204 response, which must not return content.');
    await expectFailure(headers([['Content-Type', 'x']], '304 Not Modified'), 'Content-Type header found in a 304 response, which must not return content.');
    await drain((await headers([], '204 No Content')).body);
    await drain((await headers([], '304 Not Modified')).body);
  });
});

describe('validator: check_exc_info (V51, adapted: excInfo is the caught error)', () => {
  it('refuses a Python-style triple, accepts the error itself', async () => {
    await expectFailure(
      lint(starting(['500 Oops', TEXT, [null, null, null]])),
      'excInfo ([null,null,null]) must be the caught error itself, not a [type, value, traceback] array',
    );
    await drain((await lint(starting(['500 Oops', TEXT, new Error('boom')]))).body);
    await drain((await lint(starting(['500 Oops', TEXT, null]))).body);
  });
});

describe('validator: check_environ (V23-V35, W1, W2)', () => {
  const withEnv = (env: unknown) => lint(okApp, env as Environ);

  it('V23: the environ must be a plain object', async () => {
    await expectFailure(withEnv(new Map()), 'Environment is not of the right type: Map (environment: {})');
    await expectFailure(withEnv(null), 'Environment is not of the right type: null (environment: null)');
    class Sub {}
    await expectFailure(withEnv(Object.assign(new Sub(), environ())), /^Environment is not of the right type: Sub \(environment: \{/);
  });

  it('V24: every required key', async () => {
    for (const key of ['REQUEST_METHOD', 'SERVER_NAME', 'SERVER_PORT', 'wsgi.version', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once']) {
      const env = environ();
      delete env[key];
      await expectFailure(withEnv(env), `Environment missing required key: ${JSON.stringify(key)}`);
    }
  });

  it('V25: no HTTP_CONTENT_TYPE or HTTP_CONTENT_LENGTH', async () => {
    await expectFailure(withEnv(environ({ HTTP_CONTENT_TYPE: 'x' })), 'Environment should not have the key: HTTP_CONTENT_TYPE (use CONTENT_TYPE instead)');
    await expectFailure(withEnv(environ({ HTTP_CONTENT_LENGTH: '1' })), 'Environment should not have the key: HTTP_CONTENT_LENGTH (use CONTENT_LENGTH instead)');
  });

  it('W1: warns when QUERY_STRING is missing', async () => {
    const env = environ();
    delete (env as EnvironLike).QUERY_STRING;
    expect((await withEnv(env)).warnings).toEqual([
      'QUERY_STRING is not in the WSGI environment; the cgi module will use sys.argv when this variable is missing, so application errors are more likely',
    ]);
  });

  it('V26: CGI keys (no ".") hold strings; extension keys hold anything', async () => {
    await expectFailure(withEnv(environ({ SERVER_PORT: 80 })), 'Environmental variable SERVER_PORT is not a string: number (value: 80)');
    await expectFailure(withEnv(environ({ CONTENT_TYPE: undefined })), 'Environmental variable CONTENT_TYPE is not a string: undefined (value: undefined)');
    await drain((await withEnv(environ({ 'my.ext': 1 }))).body);
  });

  it('V27-V28: wsgi.version and wsgi.url_scheme', async () => {
    await expectFailure(withEnv(environ({ 'wsgi.version': '1.0' })), 'wsgi.version should be a [major, minor] array (got "1.0")');
    await expectFailure(withEnv(environ({ 'wsgi.version': [1] })), 'wsgi.version should be a [major, minor] array (got [1])');
    await expectFailure(withEnv(environ({ 'wsgi.url_scheme': 'ftp', SERVER_PORT: '21' })), 'wsgi.url_scheme unknown: "ftp"');
    const env = environ();
    delete (env as EnvironLike)['wsgi.url_scheme'];
    await expectFailure(withEnv(env), 'wsgi.url_scheme unknown: undefined');
  });

  it('V29-V30: wsgi.input and wsgi.errors have their methods', async () => {
    for (const method of ['read', 'readline', 'readlines']) {
      const input = { read() {}, readline() {}, readlines() {}, [Symbol.asyncIterator]() {}, [method]: undefined };
      await expectFailure(withEnv(environ({ 'wsgi.input': input })), new RegExp(`^wsgi\\.input \\(.*\\) doesn't have the method ${method}$`));
    }
    await expectFailure(
      withEnv(environ({ 'wsgi.input': { read() {}, readline() {}, readlines() {} } })),
      /doesn't have the method Symbol\(Symbol\.asyncIterator\)$/,
    );
    for (const method of ['flush', 'write', 'writelines']) {
      const errors = { flush() {}, write() {}, writelines() {}, [method]: undefined };
      await expectFailure(withEnv(environ({ 'wsgi.errors': errors })), new RegExp(`^wsgi\\.errors \\(.*\\) doesn't have the method ${method}$`));
    }
  });

  it('W2: warns on an unknown REQUEST_METHOD', async () => {
    expect((await withEnv(environ({ REQUEST_METHOD: 'FOO' }))).warnings).toEqual(['Unknown REQUEST_METHOD: "FOO"']);
    expect((await withEnv(environ({ REQUEST_METHOD: 'CONNECT' }))).warnings).toEqual(['Unknown REQUEST_METHOD: "CONNECT"']);
    expect((await withEnv(environ({ REQUEST_METHOD: 'PATCH' }))).warnings).toEqual([]);
  });

  it('V31-V35: SCRIPT_NAME, PATH_INFO and CONTENT_LENGTH', async () => {
    await expectFailure(withEnv(environ({ SCRIPT_NAME: 'app', PATH_INFO: '/' })), `SCRIPT_NAME doesn't start with /: "app"`);
    await expectFailure(withEnv(environ({ SCRIPT_NAME: '', PATH_INFO: 'x' })), `PATH_INFO doesn't start with /: "x"`);
    await expectFailure(withEnv(environ({ CONTENT_LENGTH: '-1' })), 'Invalid CONTENT_LENGTH: "-1"');
    await expectFailure(withEnv(environ({ CONTENT_LENGTH: 'abc' })), 'Invalid CONTENT_LENGTH: "abc"');
    for (const ok of ['', ' 5', '0', '1_000']) await drain((await withEnv(environ({ CONTENT_LENGTH: ok }))).body);
    await expectFailure(
      withEnv(environWithout({ SCRIPT_NAME: '' }, ['PATH_INFO'])),
      "One of SCRIPT_NAME or PATH_INFO are required (PATH_INFO should at least be '/' if SCRIPT_NAME is empty)",
    );
    await expectFailure(withEnv(environ({ SCRIPT_NAME: '/', PATH_INFO: '' })), "SCRIPT_NAME cannot be '/'; it should instead be '', and PATH_INFO should be '/'");
  });
});

/** `environ()` without some keys. */
function environWithout(extra: EnvironLike, keys: string[]): Environ {
  const env = environ(extra);
  for (const key of keys) delete env[key];
  return env;
}

describe('validator: wsgi.input, wsgi.errors and write() (V6-V18)', () => {
  /** Runs `use` as the app, with the validated environ, and returns the warnings. */
  async function using(use: (env: Environ, write: (chunk: unknown) => void) => Promise<void> | void, body = 'line1\nline2\n'): Promise<string[]> {
    const app: WsgiApp = async (env, startResponse) => {
      const write = startResponse('200 OK', TEXT) as (chunk: unknown) => void;
      await use(env, write);
      return [];
    };
    const { body: result, warnings } = await lint(app, environ({}, body));
    await drain(result);
    return warnings;
  }

  it('read(size) gives bytes; read() warns; extra or non-integer arguments fail', async () => {
    let got: Uint8Array | undefined;
    expect(await using(async (env) => { got = await env['wsgi.input'].read(3); })).toEqual([]);
    expect(new TextDecoder().decode(got)).toBe('lin');
    expect(await using(async (env) => { await env['wsgi.input'].read(); })).toHaveLength(1);
    await expectFailure(using(async (env) => { await (env['wsgi.input'].read as (...a: unknown[]) => unknown)(1, 2); }), 'wsgi.input.read() takes one argument, a size (got [1,2])');
    await expectFailure(using(async (env) => { await env['wsgi.input'].read('3' as never); }), 'wsgi.input.read() size must be an integer (got "3")');
  });

  it('readline and readlines: at most one argument; iteration gives the lines', async () => {
    const seen: string[] = [];
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    await using(async (env) => {
      seen.push(decode(await env['wsgi.input'].readline(1)));
      seen.push(decode(await env['wsgi.input'].readline()));
      for await (const line of env['wsgi.input']) seen.push(decode(line));
    });
    expect(seen).toEqual(['l', 'ine1\n', 'line2\n']);
    let lines: Uint8Array[] = [];
    await using(async (env) => { lines = await env['wsgi.input'].readlines(1); }, 'a\nb\nc');
    expect(lines.map(decode)).toEqual(['a\n']);
    await expectFailure(using(async (env) => { await (env['wsgi.input'].readline as (...a: unknown[]) => unknown)(1, 2); }), 'wsgi.input.readline() takes at most one argument (got [1,2])');
    await expectFailure(using(async (env) => { await (env['wsgi.input'].readlines as (...a: unknown[]) => unknown)(1, 2); }), 'wsgi.input.readlines() takes at most one argument (got [1,2])');
  });

  it('V7, V9, V11, V12: a server whose wsgi.input gives the wrong types', async () => {
    const badInput = {
      read: async () => 'text',
      readline: async () => [1],
      readlines: async () => 'lines',
      async *[Symbol.asyncIterator]() {},
    };
    const run = (use: (env: Environ) => Promise<unknown>) =>
      lint(async (env, startResponse) => {
        await use(env);
        startResponse('200 OK', TEXT);
        return [];
      }, environ({ 'wsgi.input': badInput }));
    await expectFailure(run((env) => env['wsgi.input'].read(1)), 'wsgi.input.read() must give a Uint8Array (got "text")');
    await expectFailure(run((env) => env['wsgi.input'].readline()), 'wsgi.input.readline() must give a Uint8Array (got [1])');
    await expectFailure(run((env) => env['wsgi.input'].readlines()), 'wsgi.input.readlines() must give an array (got "lines")');
    badInput.readlines = async () => ['x'] as never;
    await expectFailure(run((env) => env['wsgi.input'].readlines()), 'wsgi.input.readlines() must give Uint8Array lines (got "x")');
  });

  it('V14, V17: close() on wsgi.input or wsgi.errors', async () => {
    await expectFailure(using((env) => { (env['wsgi.input'] as unknown as { close(): void }).close(); }), 'input.close() must not be called');
    await expectFailure(using((env) => { (env['wsgi.errors'] as unknown as { close(): void }).close(); }), 'errors.close() must not be called');
  });

  it('V15-V16: wsgi.errors takes strings', async () => {
    const errors = new StringErrorStream();
    const app: WsgiApp = (env, startResponse) => {
      env['wsgi.errors'].write('a');
      env['wsgi.errors'].writelines(['b', 'c']);
      env['wsgi.errors'].flush();
      startResponse('200 OK', TEXT);
      return [];
    };
    await drain((await lint(app, environ({ 'wsgi.errors': errors }))).body);
    expect(errors.getValue()).toBe('abc');
    await expectFailure(using((env) => env['wsgi.errors'].write(utf8.encode('x') as never)), 'wsgi.errors.write() takes a string (got Uint8Array(1))');
    await expectFailure(using((env) => env['wsgi.errors'].writelines([1] as never)), 'wsgi.errors.write() takes a string (got 1)');
  });

  it('V18: write() takes one chunk, bytes or (adaptation) a string', async () => {
    const written: unknown[] = [];
    const start: StartResponse = () => (chunk) => { written.push(chunk); };
    const app: WsgiApp = (_env, startResponse) => {
      const write = startResponse('200 OK', TEXT);
      write(utf8.encode('a'));
      write('b');
      return [];
    };
    await drain((await lint(app, environ(), start)).body);
    expect(written).toEqual([utf8.encode('a'), 'b']);
    await expectFailure(using((_env, write) => write(5)), 'write() takes a Uint8Array or a string (got 5)');
    await expectFailure(using((_env, write) => (write as (...a: unknown[]) => void)('a', 'b')), 'write() takes exactly one chunk (got ["a","b"])');
  });
});

describe('validator: the body iterable (V19-V21)', () => {
  it('V20: every chunk is bytes or (adaptation) a string', async () => {
    expect(await drain((await lint(starting(['200 OK', TEXT], ['a', utf8.encode('b')]))).body)).toEqual(['a', utf8.encode('b')]);
    const { body } = await lint(starting(['200 OK', TEXT], [1]));
    await expectFailure(drain(body), 'Iterator yielded non-bytestring (1); chunks are Uint8Array or string');
  });

  it('V21: startResponse before the first chunk; a lazy generator that calls it first passes', async () => {
    const never: WsgiApp = () => ['x'];
    await expectFailure(
      lint(never).then(({ body }) => drain(body)),
      'The application returns and we started iterating over its body, but start_response has not yet been called',
    );
    const lazy: WsgiApp = (_env, startResponse) =>
      (function* () {
        startResponse('200 OK', TEXT);
        yield 'x';
      })();
    expect(await drain((await lint(lazy)).body)).toEqual(['x']);
  });

  it('V19: no chunk after close(); close() and an early stop reach the app', async () => {
    let closed = 0;
    let finished = false;
    const app: WsgiApp = (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      const body = (function* () {
        try {
          yield 'a';
          yield 'b';
        } finally {
          finished = true;
        }
      })();
      return Object.assign(body, { close: () => { closed++; } });
    };
    const { body } = await lint(app);
    const iterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'a' });
    await iterator.return!();
    expect(finished).toBe(true);
    await body.close!();
    expect(closed).toBe(1);
    await expectFailure(iterator.next(), 'Iterator read after closed');
  });

  it('through handle(): close() runs once, and a sync generator app streams', async () => {
    let closed = 0;
    const app: WsgiApp = (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      return Object.assign((function* () { yield 'a'; yield 'b'; })(), { close: () => { closed++; } });
    };
    const { text, log } = await callText(validator(app));
    expect(text).toBe('ab');
    expect(closed).toBe(1);
    expect(log).toEqual([]);
  });
});

describe('validator: warnings and errors reach the request', () => {
  it('warnings go to wsgi.errors by default, and a failure becomes the 500 the gateway logs', async () => {
    const { response, log } = await call(validator(starting(['200', TEXT])));
    // W3 warns; then the gateway itself refuses "200" (it needs a reason phrase).
    expect(log[0]).toBe('WSGIWarning: The status string ("200") should be a three-digit integer followed by a single space and a status explanation');
    expect(response.status).toBe(500);
    const failed = await call(validator(starting(['200 OK', []])));
    expect(failed.response.status).toBe(500);
    expect(failed.log.join('\n')).toContain('WsgiValidationError: No Content-Type header found in headers ([])');
  });
});

describe('validator: V22, a body garbage collected without close()', () => {
  it('is reported through onWarning (it cannot be thrown), and a closed body is not', () => {
    // A child process with --expose-gc runs the built module (test/global-setup.ts builds dist/).
    const script = `
      import { validator } from './dist/src/wsgiref/validate.js';
      import { setupTestingDefaults } from './dist/src/wsgiref/util.js';
      const warnings = [];
      const app = validator((env, start) => { start('200 OK', [['Content-Type', 'text/plain']]); return ['x']; },
        { onWarning: (message) => warnings.push(message) });
      const request = () => app(setupTestingDefaults({ QUERY_STRING: '' }), () => () => {});
      request();                  // dropped without close()
      request().close();          // closed properly
      for (let round = 0; round < 50 && warnings.length === 0; round++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (let round = 0; round < 5; round++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      console.log(JSON.stringify(warnings));
    `;
    const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual(['Iterator garbage collected without being closed']);
  });
});
