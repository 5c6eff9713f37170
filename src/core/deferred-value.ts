/**
 * A platform's environ value that costs something to read (workerd's `request.cf`, which the runtime
 * parses from JSON on first access), read only the first time something asks for its key, and then kept
 * as a plain value. A target gives one as a value of `GatewayOptions.platformEnviron`.
 *
 * In a lazy environ (./lazy-environ.ts) the key holds the `DeferredValue` itself until the Proxy is asked
 * for it, so making the environ costs one store (a getter defined per request cost workerd 1.5 µs,
 * bench/PROFILE.md); in an eager one it is a getter that replaces itself. Either way the app sees a key
 * in its place whose value is read at most once, and that it may replace unread.
 * @module
 */

import type { Environ } from './types.ts';

export class DeferredValue {
  /** `read` is given the environ, through which it may read other keys (never its own). */
  constructor(readonly read: (environ: Environ) => unknown) {}
}

/** The value `deferred` stands for, read for `environ` and stored over it as a plain data property of `target`. */
export function settle(target: Environ, key: string | symbol, deferred: DeferredValue, environ: Environ): unknown {
  const value = deferred.read(environ);
  defineValue(target, key, value);
  return value;
}

/** The descriptor of an eager environ's key for `deferred`: a getter that reads it once and becomes its value. */
export function deferredAccessor(key: string, deferred: DeferredValue): PropertyDescriptor {
  return {
    enumerable: true,
    configurable: true,
    get(this: Environ) {
      return settle(this, key, deferred, this);
    },
    set(this: Environ, value: unknown) {
      defineValue(this, key, value);
    },
  };
}

function defineValue(target: Environ, key: string | symbol, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
