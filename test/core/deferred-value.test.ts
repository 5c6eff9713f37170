/**
 * A platform key given as a `DeferredValue` (src/core/deferred-value.ts): read the first time something
 * asks for it and never before, at most once, replaceable unread, and seen by an app that lists, copies,
 * prints or serializes the environ as the value it stands for, in its place, in a lazy environ (the Proxy)
 * and an eager one (a getter) alike.
 * @module
 */

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildEnviron, type Environ } from '../../src/index.ts';
import { DeferredValue } from '../../src/core/deferred-value.ts';
import { filledEnviron } from '../../src/core/lazy-environ.ts';
import type { GatewayOptions } from '../../src/core/types.ts';

interface Counted {
  environ: Environ;
  reads: string[];
}

/** An environ whose platform keys `costly.a` and `costly.b` (made from `costly.a`) count their reads. */
function environWith(lazyHeaders: boolean): Counted {
  const reads: string[] = [];
  const a = new DeferredValue(() => {
    reads.push('a');
    return { colo: 'TST' };
  });
  const b = new DeferredValue((environ) => {
    reads.push('b');
    return `from ${(environ['costly.a'] as { colo: string }).colo}`;
  });
  const options: GatewayOptions = {
    lazyHeaders,
    platformEnviron: { 'plain.key': 1, 'costly.a': a, 'costly.b': b },
    environ: { 'myapp.config': 'c' },
  };
  const request = new Request('http://example.test/x?q=1', { headers: { 'X-A': 'a' } });
  return { environ: buildEnviron(request, options), reads };
}

describe.each([
  ['a lazy environ', true],
  ['an eager environ', false],
])('deferred platform values in %s', (_name, lazyHeaders) => {
  it('are not read while the app reads, tests or lists other keys', () => {
    const { environ, reads } = environWith(lazyHeaders);
    expect(environ.PATH_INFO).toBe('/x');
    expect(environ.HTTP_X_A).toBe('a');
    expect('costly.a' in environ).toBe(true);
    const keys = Object.keys(environ);
    expect(keys.slice(-4)).toEqual(['plain.key', 'costly.a', 'costly.b', 'myapp.config']);
    expect(reads).toEqual([]);
  });

  it('are read once, however often asked, a value that reads another one included', () => {
    const { environ, reads } = environWith(lazyHeaders);
    expect(environ['costly.b']).toBe('from TST');
    expect(environ['costly.b']).toBe('from TST');
    expect(environ['costly.a']).toEqual({ colo: 'TST' });
    expect(environ['costly.a']).toBe(environ['costly.a']);
    expect(reads).toEqual(['b', 'a']);
    expect(Object.getOwnPropertyDescriptor(environ, 'costly.a')).toEqual({ value: { colo: 'TST' }, writable: true, enumerable: true, configurable: true });
  });

  it('may be replaced unread, and are then never read', () => {
    const { environ, reads } = environWith(lazyHeaders);
    environ['costly.a'] = 'replaced';
    expect(environ['costly.a']).toBe('replaced');
    expect(Object.keys(environ).slice(-4)).toEqual(['plain.key', 'costly.a', 'costly.b', 'myapp.config']);
    expect(reads).toEqual([]);
  });

  it('are their values for an app that copies or serializes the environ', () => {
    for (const look of [
      (environ: Environ) => ({ ...environ })['costly.b'],
      (environ: Environ) => Object.fromEntries(Object.entries(environ))['costly.b'],
      (environ: Environ) => (JSON.parse(JSON.stringify(environ, ['costly.b'])) as Record<string, unknown>)['costly.b'],
    ]) {
      const { environ, reads } = environWith(lazyHeaders);
      expect(look(environ)).toBe('from TST');
      expect(reads.sort()).toEqual(['a', 'b']);
    }
  });

  it('are getters, unread, for an app that looks at descriptors or prints the environ', () => {
    const { environ, reads } = environWith(lazyHeaders);
    const printed = inspect(environ);
    expect(printed).toContain("'costly.a': [Getter/Setter]");
    expect(printed).not.toContain('DeferredValue');
    const descriptors = Object.getOwnPropertyDescriptors(environ);
    expect(typeof descriptors['costly.a']?.get).toBe('function');
    expect(reads).toEqual([]);
    expect(descriptors['costly.b']?.get?.call(environ)).toBe('from TST');
    expect(environ['costly.b']).toBe('from TST');
    expect(reads).toEqual(['b', 'a']);
  });
});

describe('filledEnviron (the Python bridge reads the object behind a lazy environ)', () => {
  it('gives every deferred value read, in its place, and reads each once', () => {
    const { environ, reads } = environWith(true);
    const filled = filledEnviron(environ);
    expect(filled['costly.a']).toEqual({ colo: 'TST' });
    expect(filled['costly.b']).toBe('from TST');
    expect(Object.values(filled).some((value) => value instanceof DeferredValue)).toBe(false);
    expect(Object.keys(filled).slice(-4)).toEqual(['plain.key', 'costly.a', 'costly.b', 'myapp.config']);
    expect(environ['costly.b']).toBe('from TST');
    expect(reads.sort()).toEqual(['a', 'b']);
  });
});
