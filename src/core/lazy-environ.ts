/**
 * An environ whose request-header keys are read from the request only when something asks for them. On
 * `deno serve` and in workerd, reading a request's headers at all crosses into the runtime (Deno's
 * `op_http_get_request_headers`, workerd's C++ `Headers`), which costs more than an app like the seed's
 * does with the request; an app that reads only `PATH_INFO` and `QUERY_STRING` should not pay for it.
 *
 * The environ is a `Proxy` over a plain object. Before anything asks for a header key, the object holds
 * every key that needs no header (the CGI and `wsgi.*` keys, then the platform's extras). The first
 * operation that could see a header key (reading or testing one of them, listing the keys, adding,
 * deleting or redefining a key that is not there yet) fills the object: the header keys go in between
 * the two groups, so the object then holds exactly what the eager build would have, in the same order,
 * and every later operation goes to it unchanged. An app that iterates, copies, prints or serializes the
 * environ sees the same keys and values as before; one that only reads `PATH_INFO` never reads a header.
 * A platform key whose value is a `DeferredValue` is read, and replaced by its value, the first time it
 * is read; until then its descriptor is the getter an eager environ has for it (./deferred-value.ts).
 * @module
 */

import { DeferredValue, deferredAccessor, settle } from './deferred-value.ts';
import type { Environ } from './types.ts';

/** The keys whose values come from request headers or the peer address: they exist only once filled. */
export function isHeaderKey(key: string | symbol): boolean {
  return typeof key === 'string' && (key.startsWith('HTTP_') || key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH' || key === 'REMOTE_ADDR');
}

/**
 * Node's and Deno's `console.log`/`inspect` print a Proxy's target without its traps, reading this hook
 * from the target: the unfilled object carries it as its last key (a prototype of its own would cost
 * more than the header reads save: V8 builds such an object slowly, and as a dictionary once a key is
 * added), and it prints a filled copy. Filling removes it, since the filled object prints as it is; any
 * look at it through the Proxy fills first, so the app never sees it.
 */
export const PRINT_FILLED = Symbol.for('nodejs.util.inspect.custom');

/** The hook's value: `this` is the Proxy, whose descriptors (filled first) make a plain copy to print. */
export function printFilled(this: Environ): Environ {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(this)) as Environ;
}

/**
 * Answered by the Proxy with its handler, for `filledEnviron`. No key of the environ's own: `in`, listing
 * and copying never see it.
 */
const HANDLER = Symbol('wsgi-edge lazy environ handler');

/**
 * The environ as a plain object with every key, for a caller that reads every key anyway (the Python
 * bridge sends the whole environ across): a lazy environ's own object, filled, which holds the same keys,
 * values and order as the Proxy shows, without a trap and a descriptor per key (on `deno serve` that was
 * a sixth of the seed's Python request, bench/PROFILE.md). Anything else, a Proxy of someone else's
 * around it included, is `environ` itself.
 */
export function filledEnviron(environ: Environ): Environ {
  const handler = environ[HANDLER as unknown as string];
  return handler instanceof LazyEnvironHandler && handler.proxy === environ ? handler.filled() : environ;
}

/** Keys that can only be answered once filled: the header keys, and the printing hook (hidden from the app). */
function needsFill(key: string | symbol): boolean {
  return key === PRINT_FILLED || isHeaderKey(key);
}

/**
 * The Proxy's handler, one per request: `fill` adds the header keys to the object (after the keys in
 * `ground`, before the rest) the first time one could be seen.
 */
class LazyEnvironHandler implements ProxyHandler<Environ> {
  #fill: ((environ: Environ) => void) | undefined;
  readonly #target: Environ;
  readonly #groundKeys: number;
  /** The Proxy this handles: a `set` through it writes to the object itself. */
  proxy: Environ | undefined;

  constructor(target: Environ, groundKeys: number, fill: (environ: Environ) => void) {
    this.#target = target;
    this.#groundKeys = groundKeys;
    this.#fill = fill;
  }

  /** The object, filled, its deferred values read: what the Proxy would show, without it. */
  filled(): Environ {
    const target = this.#target;
    this.#ensureFilled(target);
    // Platform keys come after the ground keys.
    for (const key of Reflect.ownKeys(target).slice(this.#groundKeys)) {
      const value = Reflect.getOwnPropertyDescriptor(target, key)?.value;
      if (value instanceof DeferredValue) settle(target, key, value, this.proxy!);
    }
    return target;
  }

  /** Adds the header keys where the eager build puts them: after the ground keys, before the extras. */
  #ensureFilled(target: Environ): void {
    const fill = this.#fill;
    if (fill === undefined) return;
    this.#fill = undefined;
    // Filled, the object prints as it is: the hook goes (the last key added, so the cheap one to delete),
    // and the object's keys are the environ's, as a frozen object's must be.
    Reflect.deleteProperty(target, PRINT_FILLED);
    // Extras (and nothing else: a new key or a deletion fills first) come after the ground keys; they
    // are taken out and put back after the header keys, so the order is the eager build's.
    const later = Reflect.ownKeys(target).slice(this.#groundKeys);
    const descriptors = later.map((key) => Reflect.getOwnPropertyDescriptor(target, key)!);
    for (const key of later) Reflect.deleteProperty(target, key);
    fill(target);
    later.forEach((key, i) => Reflect.defineProperty(target, key, descriptors[i]!));
  }

  /** Whether `key` can be answered from the object as it is: one that is there and no header's. */
  #settled(target: Environ, key: string | symbol): boolean {
    return this.#fill === undefined || (!isHeaderKey(key) && Object.hasOwn(target, key));
  }

  get(target: Environ, key: string | symbol, receiver: unknown): unknown {
    if (key === HANDLER) return this;
    // A key that is not there and no header's stays absent once filled: no need to fill for it.
    if (this.#fill !== undefined && needsFill(key)) this.#ensureFilled(target);
    const value: unknown = Reflect.get(target, key, receiver);
    return value instanceof DeferredValue ? settle(target, key, value, this.proxy!) : value;
  }

  has(target: Environ, key: string | symbol): boolean {
    if (this.#fill !== undefined && needsFill(key)) this.#ensureFilled(target);
    return Reflect.has(target, key);
  }

  getOwnPropertyDescriptor(target: Environ, key: string | symbol): PropertyDescriptor | undefined {
    if (this.#fill !== undefined && needsFill(key)) this.#ensureFilled(target);
    const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
    // Unread, it is what an eager environ holds: a getter that reads it (so listing the keys reads nothing).
    return descriptor?.value instanceof DeferredValue ? deferredAccessor(key as string, descriptor.value) : descriptor;
  }

  ownKeys(target: Environ): (string | symbol)[] {
    this.#ensureFilled(target);
    return Reflect.ownKeys(target);
  }

  set(target: Environ, key: string | symbol, value: unknown, receiver: unknown): boolean {
    // Replacing a key that is there keeps its place; a new key must land after the header keys.
    if (!this.#settled(target, key)) this.#ensureFilled(target);
    return Reflect.set(target, key, value, receiver === this.proxy ? target : receiver);
  }

  defineProperty(target: Environ, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    if (!this.#settled(target, key)) this.#ensureFilled(target);
    return Reflect.defineProperty(target, key, descriptor);
  }

  preventExtensions(target: Environ): boolean {
    // A frozen or sealed object could not take the header keys later.
    this.#ensureFilled(target);
    return Reflect.preventExtensions(target);
  }

  deleteProperty(target: Environ, key: string | symbol): boolean {
    // Filled first, whatever the key: the header keys go in after the ground keys, which are counted.
    this.#ensureFilled(target);
    return Reflect.deleteProperty(target, key);
  }

  getPrototypeOf(): object {
    return Object.prototype;
  }
}

/**
 * `ground` (every key that needs no header, the extras after the first `groundKeys` of them) as an
 * environ that calls `fill(object)` to add the header keys the first time one could be seen.
 */
export function lazyEnviron(ground: Environ, groundKeys: number, fill: (environ: Environ) => void): Environ {
  const handler = new LazyEnvironHandler(ground, groundKeys, fill);
  handler.proxy = new Proxy(ground, handler);
  return handler.proxy;
}
