/**
 * The gateway answers without waiting when nothing in the exchange has to wait (a sync app with a
 * list or a short sync iterable): results are values or promises, and only promises are awaited.
 * Deno and workerd take a `Response` returned at once on a faster path than a promise of one.
 * @module
 */

/** A promise or another thenable, as `await` would treat it. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** `then(value)` at once for a value, once it settles for a promise. */
export function whenReady<T, U>(value: T | PromiseLike<T>, then: (ready: T) => U): U | Promise<U> {
  return isPromiseLike(value) ? Promise.resolve(value).then(then) : then(value);
}
