/**
 * `WsgiHeaders` against CPython's `test_wsgiref.HeaderTests` row for row (the control-character rows
 * as patched CPython has them, CVE-2026-0865), then the reference's probed cases and python3 as an oracle.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { HeaderPair } from '../../src/core/types.ts';
import { WsgiHeaders } from '../../src/wsgiref/headers.ts';

/** `test.support.control_characters_c0()`: 0x00-0x1F and DEL. */
const C0 = [...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)), '\x7f'];

describe('HeaderTests (test_wsgiref.py)', () => {
  it('testMappingInterface', () => {
    const test: HeaderPair[] = [['x', 'y']];
    expect(new WsgiHeaders().length).toBe(0);
    expect(new WsgiHeaders([]).length).toBe(0);
    expect(new WsgiHeaders(test.slice()).length).toBe(1);
    expect(new WsgiHeaders(test.slice()).keys()).toEqual(['x']);
    expect(new WsgiHeaders(test.slice()).values()).toEqual(['y']);
    expect(new WsgiHeaders(test.slice()).items()).toEqual(test);
    expect(new WsgiHeaders(test).items()).not.toBe(test); // must be copy!

    const h = new WsgiHeaders();
    h.delete('foo'); // should not raise an error

    h.set('Foo', 'bar');
    const lookups = [(n: string) => h.has(n), (n: string) => h.get(n), (n: string) => h.getAll(n).length > 0];
    for (const m of lookups) {
      expect(m('foo')).toBeTruthy();
      expect(m('Foo')).toBeTruthy();
      expect(m('FOO')).toBeTruthy();
      expect(m('bar')).toBeFalsy();
    }

    expect(h.get('foo')).toBe('bar');
    h.set('foo', 'baz');
    expect(h.get('FOO')).toBe('baz');
    expect(h.getAll('foo')).toEqual(['baz']);

    expect(h.get('foo', 'whee')).toBe('baz');
    expect(h.get('zoo', 'whee')).toBe('whee');
    expect(h.setDefault('foo', 'whee')).toBe('baz');
    expect(h.setDefault('zoo', 'whee')).toBe('whee');
    expect(h.get('foo')).toBe('baz');
    expect(h.get('zoo')).toBe('whee');
  });

  it('testRequireList', () => {
    expect(() => new WsgiHeaders('foo' as unknown as HeaderPair[])).toThrow(TypeError);
  });

  it('testExtras', () => {
    const h = new WsgiHeaders();
    expect(String(h)).toBe('\r\n');

    h.addHeader('foo', 'bar', { baz: 'spam' });
    expect(h.get('foo')).toBe('bar; baz="spam"');
    expect(String(h)).toBe('foo: bar; baz="spam"\r\n\r\n');

    h.addHeader('Foo', 'bar', { cheese: null });
    expect(h.getAll('foo')).toEqual(['bar; baz="spam"', 'bar; cheese']);

    expect(String(h)).toBe('foo: bar; baz="spam"\r\n' + 'Foo: bar; cheese\r\n' + '\r\n');
  });

  it('testRaisesControlCharacters (HTAB is allowed in values, as headers.py has it)', () => {
    const headers = new WsgiHeaders();
    for (const c0 of C0) {
      const label = JSON.stringify(c0);
      expect(() => headers.set(`key${c0}`, 'val'), label).toThrow(/Control characters not allowed in headers/);
      expect(() => headers.addHeader(`key${c0}`, 'val', { param: 'param' }), label).toThrow(TypeError);
      expect(() => headers.addHeader('key', 'val', { [`param${c0}`]: 'param' }), label).toThrow(TypeError);
      if (c0 === '\t') {
        headers.set('key', `val${c0}`);
        headers.addHeader('key', `val${c0}`, { param: 'param' });
        headers.addHeader('key', 'val', { param: `param${c0}` });
      } else {
        expect(() => headers.set('key', `val${c0}`), label).toThrow(/Control characters not allowed in headers/);
        expect(() => headers.addHeader('key', `val${c0}`, { param: 'param' }), label).toThrow(TypeError);
        expect(() => headers.addHeader('key', 'val', { param: `param${c0}` }), label).toThrow(TypeError);
      }
    }
    expect(headers.getAll('key')).toEqual(['val\t', 'val\t; param="param"', 'val; param="param\t"']);
  });
});

describe('WsgiHeaders: probed CPython behaviour (reference §1.2, §3.2)', () => {
  it('wraps the given list by reference and edits it in place', () => {
    const list: HeaderPair[] = [['A', '1'], ['B', '2'], ['a', '3']];
    const h = new WsgiHeaders(list);
    h.set('a', '9');
    expect(list).toEqual([['B', '2'], ['a', '9']]);
    h.delete('B');
    expect(list).toEqual([['a', '9']]);
    h.addHeader('X', 'v');
    expect(list).toEqual([['a', '9'], ['X', 'v']]);
  });

  it('refuses a non-array, a bad pair, and a non-string name or value', () => {
    expect(() => new WsgiHeaders({} as unknown as HeaderPair[])).toThrow('Headers must be a list of name/value tuples');
    expect(() => new WsgiHeaders([['a', 'b', 'c']] as unknown as HeaderPair[])).toThrow(/\["a","b","c"\]/);
    expect(() => new WsgiHeaders([['a', 1]] as unknown as HeaderPair[])).toThrow(/must be of type string \(got 1\)/);
    expect(() => new WsgiHeaders([['a\n', 'b']])).toThrow(/Control characters/);
    expect(() => new WsgiHeaders().set('a', 5 as unknown as string)).toThrow(TypeError);
  });

  it('has() counts an empty value; get() gives undefined when missing', () => {
    const h = new WsgiHeaders([['X', '']]);
    expect(h.has('x')).toBe(true);
    expect(h.setDefault('x', 'other')).toBe('');
    expect(h.get('nope')).toBeUndefined();
  });

  it('addHeader parameters: dashes, bare keys, escaping, no value', () => {
    const h = new WsgiHeaders();
    h.addHeader('content-disposition', 'attachment', { filename: 'bud.gif' });
    h.addHeader('X', 'v', { foo_bar: '1' });
    h.addHeader('X', 'v', { a: '' });
    h.addHeader('X', null, { a: '1', b: null });
    h.addHeader('X', 'v', { a: 'he said "hi" \\ ok' });
    h.addHeader('Y', undefined);
    expect(h.items()).toEqual([
      ['content-disposition', 'attachment; filename="bud.gif"'],
      ['X', 'v; foo-bar="1"'],
      ['X', 'v; a'],
      ['X', 'a="1"; b'],
      ['X', 'v; a="he said \\"hi\\" \\\\ ok"'],
      ['Y', ''],
    ]);
  });

  it('toBytes is latin-1 and refuses wider characters; iterating gives copies of the pairs', () => {
    const h = new WsgiHeaders([['X', 'caf\xe9']]);
    expect([...h.toBytes()]).toEqual([...'X: caf\xe9\r\n\r\n'].map((c) => c.charCodeAt(0)));
    expect(() => new WsgiHeaders([['X', '\u20ac']]).toBytes()).toThrow(RangeError);
    expect(new Headers([...h]).get('x')).toBe('caf\xe9');
  });
});

describe('WsgiHeaders against python3 wsgiref.headers (oracle)', () => {
  it('the same operations give the same str(), step by step', () => {
    type Op = ['set' | 'del' | 'setdefault', string, string?] | ['add', string, string | null, [string, string | null][]];
    const names = ['A', 'a', 'Content-Type', 'X-Y', 'set-cookie'];
    const values = ['1', '', 'x y', 'q"\\', 'caf\xe9', 'tab\there', 'bad\nline'];
    const ops: Op[] = [];
    let seed = 7;
    const pick = <T>(list: T[]): T => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return list[seed % list.length]!;
    };
    for (let i = 0; i < 300; i++) {
      const kind = pick(['set', 'del', 'setdefault', 'add'] as const);
      if (kind === 'add') ops.push(['add', pick(names), pick([...values, null]), [[pick(['p', 'p_q']), pick([...values, null])]]]);
      else ops.push([kind, pick(names), pick(values)]);
    }
    const script = `
import json, sys
from wsgiref.headers import Headers
h = Headers()
out = []
for op in json.load(sys.stdin):
    try:
        if op[0] == 'set': h[op[1]] = op[2]
        elif op[0] == 'del': del h[op[1]]
        elif op[0] == 'setdefault': h.setdefault(op[1], op[2])
        else: h.add_header(op[1], op[2], **dict(op[3]))
        out.append(str(h))
    except ValueError:
        out.append('error')
json.dump(out, sys.stdout)
`;
    // python3 here (3.11.7) predates the control-character fix: ops refused here are left out of its run.
    const h = new WsgiHeaders();
    const ours = ops.map((op) => {
      try {
        if (op[0] === 'set') h.set(op[1], op[2]!);
        else if (op[0] === 'del') h.delete(op[1]);
        else if (op[0] === 'setdefault') h.setDefault(op[1], op[2]!);
        else h.addHeader(op[1], op[2], Object.fromEntries(op[3]!));
        return String(h);
      } catch {
        return 'error';
      }
    });
    const refusedHere = ours.filter((entry) => entry === 'error').length;
    expect(refusedHere).toBeGreaterThan(0);
    // Replaying without the refused operations must give python3's strings step for step.
    const accepted = ops.filter((_, i) => ours[i] !== 'error');
    const replay = JSON.parse(
      execFileSync('python3', ['-c', script], { input: JSON.stringify(accepted), encoding: 'utf8' }),
    ) as string[];
    expect(ours.filter((entry) => entry !== 'error')).toEqual(replay);
  });
});
