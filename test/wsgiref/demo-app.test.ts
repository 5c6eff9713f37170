/**
 * `demoApp` (exported from `wsgi-edge/simple-server`): CPython's `demo_app` answer shape, its `repr()`
 * against python3's own, and no process environment in what it prints.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pyRepr } from '../../src/wsgiref/demo-app.ts';
import { demoApp, makeServer } from '../../src/wsgiref/simple-server.ts';
import { validator } from '../../src/wsgiref/validate.ts';
import { call } from '../helpers/call.ts';

describe('demoApp', () => {
  it('answers "Hello world!" and the sorted environ, one KEY = repr(value) line each, with a Content-Length', async () => {
    const { response, log } = await call(validator(demoApp), '/xyz?abc', {}, { environ: { 'my.ext': { secret: 'no' }, B_KEY: 'b' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(log).toEqual([]);
    const [head, ...lines] = text.split('\n');
    expect(head).toBe('Hello world!');
    expect(lines[0]).toBe('');
    const keys = lines.slice(1, -1).map((line) => line.split(' = ')[0]!);
    expect(keys).toEqual([...keys].sort());
    expect(lines).toContain("PATH_INFO = '/xyz'");
    expect(lines).toContain("QUERY_STRING = 'abc'");
    expect(lines).toContain("B_KEY = 'b'");
    expect(lines).toContain('wsgi.version = [1, 0]');
    expect(lines).toContain('wsgi.run_once = False');
    // Objects by type only: an extension key's contents (platform bindings hold secrets) never show.
    expect(lines).toContain('my.ext = <Object object>');
    expect(text).not.toContain('secret');
    expect(text.endsWith('\n')).toBe(true);

    const plain = await call(demoApp, '/xyz?abc');
    expect(Number(plain.response.headers.get('content-length'))).toBe(new TextEncoder().encode(await plain.response.text()).length);
  });

  it('never shows the process environment, over the simple server', async () => {
    process.env.WSGI_EDGE_DEMO_SENTINEL = 'demo-sentinel-41c2';
    const server = await makeServer('127.0.0.1', 0, demoApp, { accessLog: false });
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
      expect(text.startsWith('Hello world!\n\n')).toBe(true);
      expect(text).toContain("REMOTE_ADDR = '127.0.0.1'");
      expect(text).not.toContain('demo-sentinel-41c2');
      expect(text).not.toContain('WSGI_EDGE_DEMO_SENTINEL');
      for (const key of ['PATH', 'HOME']) expect(text).not.toMatch(new RegExp(`^${key} = `, 'm'));
    } finally {
      delete process.env.WSGI_EDGE_DEMO_SENTINEL;
      await server.close();
    }
  });

  it("repr() of strings and scalars is python3's", () => {
    const strings = [
      '',
      'plain',
      "it's",
      'say "hi"',
      `both ' and "`,
      'back\\slash',
      'tab\tnew\nret\r',
      String.fromCharCode(...Array.from({ length: 256 }, (_, code) => code)),
      'caf\u00e9 \u20ac \u200b \u2028 \ufeff \u{1f600} \u{e0001}',
    ];
    const python = JSON.parse(
      execFileSync('python3', ['-c', 'import json,sys; print(json.dumps([repr(s) for s in json.load(sys.stdin)]))'], {
        input: JSON.stringify(strings),
        encoding: 'utf8',
      }),
    ) as string[];
    expect(strings.map(pyRepr)).toEqual(python);
    expect([true, false, null, undefined, 3, 1.5, [1, 0], ['a']].map(pyRepr)).toEqual([
      'True', 'False', 'None', 'None', '3', '1.5', '[1, 0]', "['a']",
    ]);
  });
});
