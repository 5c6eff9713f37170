/**
 * `wsgi-edge/util` against CPython's `test_wsgiref.UtilityTests`, row for row, then the reference's
 * probed edge cases, then python3's own `wsgiref.util` as an oracle over a generated set of environs.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  applicationUri,
  FileWrapper,
  guessScheme,
  isHopByHop,
  requestUri,
  setupTestingDefaults,
  shiftPathInfo,
  StringErrorStream,
  type EnvironLike,
} from '../../src/wsgiref/util.ts';

/** `UtilityTests.checkShift`. */
function checkShift(snIn: string, piIn: string, part: string | undefined, snOut: string, piOut: string): void {
  const env: EnvironLike = { SCRIPT_NAME: snIn, PATH_INFO: piIn };
  setupTestingDefaults(env);
  expect(shiftPathInfo(env)).toBe(part);
  expect(env.PATH_INFO).toBe(piOut);
  expect(env.SCRIPT_NAME).toBe(snOut);
}

/** `UtilityTests.checkAppURI` / `checkReqURI`: the keyword arguments become the environ. */
function checkAppURI(uri: string, kw: EnvironLike = {}): void {
  setupTestingDefaults(kw);
  expect(applicationUri(kw)).toBe(uri);
}

function checkReqURI(uri: string, query: boolean, kw: EnvironLike = {}): void {
  setupTestingDefaults(kw);
  expect(requestUri(kw, query)).toBe(uri);
}

describe('UtilityTests (test_wsgiref.py)', () => {
  it('testSimpleShifts', () => {
    checkShift('', '/', '', '/', '');
    checkShift('', '/x', 'x', '/x', '');
    checkShift('/', '', undefined, '/', '');
    checkShift('/a', '/x/y', 'x', '/a/x', '/y');
    checkShift('/a', '/x/', 'x', '/a/x', '/');
  });

  it('testNormalizedShifts', () => {
    checkShift('/a/b', '/../y', '..', '/a', '/y');
    checkShift('', '/../y', '..', '', '/y');
    checkShift('/a/b', '//y', 'y', '/a/b/y', '');
    checkShift('/a/b', '//y/', 'y', '/a/b/y', '/');
    checkShift('/a/b', '/./y', 'y', '/a/b/y', '');
    checkShift('/a/b', '/./y/', 'y', '/a/b/y', '/');
    checkShift('/a/b', '///./..//y/.//', '..', '/a', '/y/');
    checkShift('/a/b', '///', '', '/a/b/', '');
    checkShift('/a/b', '/.//', '', '/a/b/', '');
    checkShift('/a/b', '/x//', 'x', '/a/b/x', '/');
    checkShift('/a/b', '/.', undefined, '/a/b', '');
  });

  it('testDefaults: each default on an empty environ, and an existing value (even undefined) kept as it is', () => {
    const table: [string, unknown][] = [
      ['SERVER_NAME', '127.0.0.1'],
      ['SERVER_PORT', '80'],
      ['SERVER_PROTOCOL', 'HTTP/1.0'],
      ['HTTP_HOST', '127.0.0.1'],
      ['REQUEST_METHOD', 'GET'],
      ['SCRIPT_NAME', ''],
      ['PATH_INFO', '/'],
      ['wsgi.version', [1, 0]],
      // Python's integer 0; this library's environ holds booleans.
      ['wsgi.run_once', false],
      ['wsgi.multithread', false],
      ['wsgi.multiprocess', false],
      ['wsgi.input', 'input'],
      ['wsgi.errors', 'errors'],
      ['wsgi.url_scheme', 'http'],
    ];
    for (const [key, value] of table) {
      const env: EnvironLike = {};
      setupTestingDefaults(env);
      if (value === 'input') {
        expect(typeof (env[key] as { read?: unknown }).read).toBe('function');
      } else if (value === 'errors') {
        expect(env[key]).toBeInstanceOf(StringErrorStream);
      } else {
        expect(env[key]).toEqual(value);
      }
      const alt = { alt: key };
      for (const existing of [alt, undefined, null]) {
        const kept: EnvironLike = { [key]: existing };
        setupTestingDefaults(kept);
        expect(kept[key]).toBe(existing);
      }
    }
  });

  it('testCrossDefaults', () => {
    const cross = (key: string, value: string, kw: EnvironLike) => {
      setupTestingDefaults(kw);
      expect(kw[key]).toBe(value);
    };
    cross('HTTP_HOST', 'foo.bar', { SERVER_NAME: 'foo.bar' });
    cross('wsgi.url_scheme', 'https', { HTTPS: 'on' });
    cross('wsgi.url_scheme', 'https', { HTTPS: '1' });
    cross('wsgi.url_scheme', 'https', { HTTPS: 'yes' });
    cross('wsgi.url_scheme', 'http', { HTTPS: 'foo' });
    cross('SERVER_PORT', '80', { HTTPS: 'foo' });
    cross('SERVER_PORT', '443', { HTTPS: 'on' });
  });

  it('testGuessScheme', () => {
    expect(guessScheme({})).toBe('http');
    expect(guessScheme({ HTTPS: 'foo' })).toBe('http');
    expect(guessScheme({ HTTPS: 'on' })).toBe('https');
    expect(guessScheme({ HTTPS: 'yes' })).toBe('https');
    expect(guessScheme({ HTTPS: '1' })).toBe('https');
  });

  it('testAppURIs', () => {
    checkAppURI('http://127.0.0.1/');
    checkAppURI('http://127.0.0.1/spam', { SCRIPT_NAME: '/spam' });
    checkAppURI('http://127.0.0.1/sp%E4m', { SCRIPT_NAME: '/sp\xe4m' });
    checkAppURI('http://spam.example.com:2071/', { HTTP_HOST: 'spam.example.com:2071', SERVER_PORT: '2071' });
    checkAppURI('http://spam.example.com/', { SERVER_NAME: 'spam.example.com' });
    checkAppURI('http://127.0.0.1/', { HTTP_HOST: '127.0.0.1', SERVER_NAME: 'spam.example.com' });
    checkAppURI('https://127.0.0.1/', { HTTPS: 'on' });
    checkAppURI('http://127.0.0.1:8000/', { SERVER_PORT: '8000', HTTP_HOST: null });
  });

  it('testReqURIs', () => {
    checkReqURI('http://127.0.0.1/', true);
    checkReqURI('http://127.0.0.1/spam', true, { SCRIPT_NAME: '/spam' });
    checkReqURI('http://127.0.0.1/sp%E4m', true, { SCRIPT_NAME: '/sp\xe4m' });
    checkReqURI('http://127.0.0.1/spammity/spam', true, { SCRIPT_NAME: '/spammity', PATH_INFO: '/spam' });
    checkReqURI('http://127.0.0.1/spammity/sp%E4m', true, { SCRIPT_NAME: '/spammity', PATH_INFO: '/sp\xe4m' });
    checkReqURI('http://127.0.0.1/spammity/spam;ham', true, { SCRIPT_NAME: '/spammity', PATH_INFO: '/spam;ham' });
    checkReqURI('http://127.0.0.1/spammity/spam;cookie=1234,5678', true, {
      SCRIPT_NAME: '/spammity',
      PATH_INFO: '/spam;cookie=1234,5678',
    });
    checkReqURI('http://127.0.0.1/spammity/spam?say=ni', true, {
      SCRIPT_NAME: '/spammity',
      PATH_INFO: '/spam',
      QUERY_STRING: 'say=ni',
    });
    checkReqURI('http://127.0.0.1/spammity/spam?s%E4y=ni', true, {
      SCRIPT_NAME: '/spammity',
      PATH_INFO: '/spam',
      QUERY_STRING: 's%E4y=ni',
    });
    checkReqURI('http://127.0.0.1/spammity/spam', false, {
      SCRIPT_NAME: '/spammity',
      PATH_INFO: '/spam',
      QUERY_STRING: 'say=ni',
    });
    // The default for includeQuery is true, as in Python.
    const env = setupTestingDefaults({ PATH_INFO: '/x', QUERY_STRING: 'q=1' });
    expect(requestUri(env)).toBe('http://127.0.0.1/x?q=1');
  });

  it('testFileWrapper: a text stream of "xyz"*50 in blocks of 120, not closed by running out', async () => {
    const makeIt = () => new FileWrapper(new TextStream('xyz'.repeat(50)), 120);
    // compare_generic_iter: the wrapper is its own iterator and yields exactly the expected items.
    const it = makeIt();
    expect(it[Symbol.asyncIterator]()).toBe(it);
    for (const item of ['xyz'.repeat(40), 'xyz'.repeat(10)]) {
      expect(await it.next()).toEqual({ done: false, value: item });
    }
    expect((await it.next()).done).toBe(true);

    const again = makeIt();
    const file = again.filelike as TextStream;
    expect(file.closed).toBe(false);
    for await (const _ of again);
    expect(file.closed).toBe(false);
    await again.close!();
    expect(file.closed).toBe(true);
  });

  it('testHopByHop', () => {
    const alts = (name: string) => [name, title(name), name.toUpperCase(), name.toLowerCase()];
    for (const hop of 'Connection Keep-Alive Proxy-Authenticate Proxy-Authorization TE Trailers Transfer-Encoding Upgrade'.split(' ')) {
      for (const alt of alts(hop)) expect(isHopByHop(alt), alt).toBe(true);
    }
    for (const hop of 'Accept Cache-Control Date Pragma Trailer Via Warning'.split(' ')) {
      for (const alt of alts(hop)) expect(isHopByHop(alt), alt).toBe(false);
    }
  });
});

describe('util: probed CPython edge cases (reference §1.1, §3.1)', () => {
  it('shiftPathInfo rows marked P in the reference table', () => {
    const rows: [string | undefined, string, string | undefined, string, string][] = [
      ['', '//', '', '/', ''],
      ['', '/x/', 'x', '/x', '/'],
      ['', '/x//', 'x', '/x', '/'],
      ['/a', '/b/c', 'b', '/a/b', '/c'],
      ['/a', '/..', '..', '', ''],
      ['/a', '/./', '', '/a/', ''],
      ['/a', '/x/../y', 'x', '/a/x', '/../y'],
      ['/', '/x', 'x', '//x', ''],
      ['', '/%2E%2E', '%2E%2E', '/%2E%2E', ''],
      [undefined, '/x', 'x', '/x', ''],
    ];
    for (const [sn, pi, part, snOut, piOut] of rows) {
      const env: EnvironLike = sn === undefined ? { PATH_INFO: pi } : { SCRIPT_NAME: sn, PATH_INFO: pi };
      expect(shiftPathInfo(env), `${sn} ${pi}`).toBe(part);
      expect([env.SCRIPT_NAME, env.PATH_INFO], `${sn} ${pi}`).toEqual([snOut, piOut]);
    }
  });

  it('shiftPathInfo leaves the environ untouched when PATH_INFO is empty or absent', () => {
    const empty: EnvironLike = {};
    expect(shiftPathInfo(empty)).toBeUndefined();
    expect(empty).toEqual({});
    const trailing: EnvironLike = { SCRIPT_NAME: '/a/', PATH_INFO: '' };
    expect(shiftPathInfo(trailing)).toBeUndefined();
    expect(trailing).toEqual({ SCRIPT_NAME: '/a/', PATH_INFO: '' });
  });

  it('shiftPathInfo refuses a PATH_INFO without "/" (Python: IndexError)', () => {
    expect(() => shiftPathInfo({ SCRIPT_NAME: '/a', PATH_INFO: 'x' })).toThrow(/"x"/);
  });

  it('setupTestingDefaults: only one of SCRIPT_NAME/PATH_INFO given, another scheme, and its return value', () => {
    const onlyPath = setupTestingDefaults({ PATH_INFO: '/x' });
    expect(Object.hasOwn(onlyPath, 'SCRIPT_NAME')).toBe(false);
    const ftp = setupTestingDefaults({ 'wsgi.url_scheme': 'ftp' });
    expect(Object.hasOwn(ftp, 'SERVER_PORT')).toBe(false);
    const env = {};
    expect(setupTestingDefaults(env)).toBe(env);
    for (const key of ['QUERY_STRING', 'CONTENT_TYPE', 'CONTENT_LENGTH']) expect(Object.hasOwn(env, key)).toBe(false);
  });

  it('the default wsgi.input is empty and wsgi.errors keeps what is written', async () => {
    const env = setupTestingDefaults({});
    expect(await env['wsgi.input'].read(10)).toEqual(new Uint8Array(0));
    env['wsgi.errors'].write('a');
    env['wsgi.errors'].writelines(['b\n', 'c']);
    expect((env['wsgi.errors'] as StringErrorStream).getValue()).toBe('ab\nc');
  });

  it('guessScheme is case-sensitive', () => {
    for (const value of ['ON', 'On', 'true', 'YES', ' on']) expect(guessScheme({ HTTPS: value })).toBe('http');
  });

  it('requestUri and applicationUri quoting', () => {
    const uri = (kw: EnvironLike) => requestUri(setupTestingDefaults(kw));
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: '/a b' })).toBe('http://127.0.0.1/a%20b');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: '/a?b' })).toBe('http://127.0.0.1/a%3Fb');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: '/a%b' })).toBe('http://127.0.0.1/a%25b');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: '/a;b=c,d' })).toBe('http://127.0.0.1/a;b=c,d');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: '/~user/@x:y' })).toBe('http://127.0.0.1/~user/%40x%3Ay');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: "/!$&'()*+" })).toBe('http://127.0.0.1/%21%24%26%27%28%29%2A%2B');
    expect(uri({ SCRIPT_NAME: '', PATH_INFO: 'x' })).toBe('http://127.0.0.1/');
    expect(uri({ QUERY_STRING: 'a b' })).toBe('http://127.0.0.1/?a b');
    expect(applicationUri(setupTestingDefaults({ SCRIPT_NAME: '/a;b' }))).toBe('http://127.0.0.1/a%3Bb');
    expect(applicationUri(setupTestingDefaults({ HTTPS: 'on', SERVER_PORT: '8443', HTTP_HOST: '' }))).toBe(
      'https://127.0.0.1:8443/',
    );
  });

  it('applicationUri needs wsgi.url_scheme (Python: KeyError) and a latin-1 SCRIPT_NAME', () => {
    expect(() => applicationUri({ SERVER_NAME: 'x', SERVER_PORT: '80' })).toThrow(/"wsgi\.url_scheme"/);
    expect(() => applicationUri(setupTestingDefaults({ SCRIPT_NAME: '/\u20ac' }))).toThrow(/latin-1/);
  });

  it('isHopByHop does not trim', () => {
    expect(isHopByHop(' connection')).toBe(false);
  });

  it('FileWrapper without a close() on its source has no close; the default blksize is 8192', () => {
    const wrapper = new FileWrapper({ read: () => '' });
    expect('close' in wrapper).toBe(false);
    expect(wrapper.blksize).toBe(8192);
  });
});

describe('util against python3 wsgiref.util (oracle)', () => {
  it('shift_path_info, request_uri and application_uri agree on a generated set of environs', () => {
    const segments = ['', '.', '..', 'x', 'a b', '%2F', ';p=1', '\xe9', '~', '@:'];
    const paths = new Set<string>(['', '/', 'x']);
    for (const a of segments) {
      paths.add('/' + a);
      for (const b of segments) {
        paths.add(`/${a}/${b}`);
        paths.add(`/${a}//${b}/`);
      }
    }
    const scripts = ['', '/', '/a', '/a/b', '/a/', '//', '/\xe4 b', '/a;b'];
    const cases: EnvironLike[] = [];
    for (const sn of scripts) {
      for (const pi of paths) {
        cases.push({ SCRIPT_NAME: sn, PATH_INFO: pi, QUERY_STRING: 'q=%20&x', HTTPS: sn === '/a' ? 'on' : 'off' });
      }
    }
    const script = `
import json, sys
from wsgiref import util
out = []
for env in json.load(sys.stdin):
    util.setup_testing_defaults(env)
    row = [util.application_uri(env), util.request_uri(env), util.request_uri(env, False)]
    try:
        part = util.shift_path_info(env)
        row += [part, env.get('SCRIPT_NAME'), env.get('PATH_INFO')]
    except IndexError:
        row += ['IndexError']
    out.append(row)
json.dump(out, sys.stdout)
`;
    const expected = JSON.parse(
      execFileSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 }),
    ) as unknown[][];
    const actual = cases.map((input) => {
      const env = setupTestingDefaults({ ...input });
      const row: unknown[] = [applicationUri(env), requestUri(env), requestUri(env, false)];
      try {
        const part = shiftPathInfo(env);
        row.push(part ?? null, env.SCRIPT_NAME, env.PATH_INFO);
      } catch (error) {
        expect(error).toBeInstanceOf(RangeError);
        row.push('IndexError');
      }
      return row;
    });
    expect(actual.length).toBeGreaterThan(400);
    expect(actual).toEqual(expected);
  });
});

/** `io.StringIO` enough for FileWrapper: `read(n)` and `close()`. */
class TextStream {
  closed = false;
  #text: string;
  #offset = 0;

  constructor(text: string) {
    this.#text = text;
  }

  read(size: number): string {
    if (this.closed) throw new Error('I/O operation on closed file');
    const piece = this.#text.slice(this.#offset, this.#offset + size);
    this.#offset += piece.length;
    return piece;
  }

  close(): void {
    this.closed = true;
  }
}

function title(name: string): string {
  return name.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}
