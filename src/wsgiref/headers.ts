/**
 * `wsgi-edge/headers`: `WsgiHeaders`, the port of `wsgiref.headers.Headers`, a case-insensitive view
 * over a response header list. Named so it never shadows the global Fetch `Headers`.
 *
 * Python → wsgi-edge: `h[name]` → `get(name)`, `h[name] = v` → `set(name, v)`, `del h[name]` →
 * `delete(name)`, `name in h` → `has(name)`, `get_all` → `getAll`, `setdefault` → `setDefault`,
 * `add_header(name, value, **params)` → `addHeader(name, value, params)`, `len(h)` → `length`,
 * `str(h)` → `toString()`, `bytes(h)` → `toBytes()`. `None` is `undefined` (or `null` where passed in).
 *
 * As in CPython the list given to the constructor is used, not copied, and every name and value is
 * checked for control characters (the CVE-2026-0865 fix): names may hold none, values only TAB.
 * @module
 */

import type { HeaderPair } from '../core/types.ts';

/** RFC 9110 §5.5: no control character in a name; in a value, HTAB is allowed. */
const NAME_DISALLOWED = /[\x00-\x1f\x7f]/;
const VALUE_DISALLOWED = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Parameters for `addHeader`: `null`/`undefined` gives the bare key; `_` in a key becomes `-`. */
export type HeaderParams = Readonly<Record<string, string | null | undefined>>;

export class WsgiHeaders implements Iterable<HeaderPair> {
  readonly #headers: HeaderPair[];

  /** Wraps `headers` (default: a new empty list), which must be an array of `[name, value]` string pairs. */
  constructor(headers?: HeaderPair[] | null) {
    const list = headers ?? [];
    if (!Array.isArray(list)) throw new TypeError('Headers must be a list of name/value tuples');
    for (const pair of list as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`Each header must be a [name, value] pair (got ${quote(pair)})`);
      }
      checkString(pair[0], true);
      checkString(pair[1], false);
    }
    this.#headers = list;
  }

  /** The number of headers, duplicates included (`len(h)`). */
  get length(): number {
    return this.#headers.length;
  }

  /** The first value for `name` (any case), else `defaultValue` (`h.get(name, default)` and `h[name]`). */
  get(name: string): string | undefined;
  get<D>(name: string, defaultValue: D): string | D;
  get<D>(name: string, defaultValue?: D): string | D | undefined {
    const lower = checkString(name, true).toLowerCase();
    for (const [key, value] of this.#headers) {
      if (key.toLowerCase() === lower) return value;
    }
    return defaultValue;
  }

  /** Every value for `name`, in order; `[]` when there is none. */
  getAll(name: string): string[] {
    const lower = checkString(name, true).toLowerCase();
    return this.#headers.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
  }

  /** Removes every `name` header then appends `[name, value]` at the end (`h[name] = value`). */
  set(name: string, value: string): void {
    // Checked before anything is removed: CPython deletes first, so a refused value loses the header.
    const pair: HeaderPair = [checkString(name, true), checkString(value, false)];
    this.delete(name);
    this.#headers.push(pair);
  }

  /** Removes every `name` header, in place; no error when there is none (`del h[name]`). */
  delete(name: string): void {
    const lower = checkString(name, true).toLowerCase();
    let kept = 0;
    for (const pair of this.#headers) {
      if (pair[0].toLowerCase() !== lower) this.#headers[kept++] = pair;
    }
    this.#headers.length = kept;
  }

  /** `true` when a `name` header exists, even with an empty value (`name in h`). */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The first value for `name`; when there is none, appends `[name, value]` and returns `value`. */
  setDefault(name: string, value: string): string {
    const existing = this.get(name);
    if (existing !== undefined) return existing;
    this.#headers.push([checkString(name, true), checkString(value, false)]);
    return value;
  }

  /**
   * Appends a header with parameters, never replacing: `addHeader('Content-Disposition', 'attachment',
   * { filename: 'bud.gif' })` gives `attachment; filename="bud.gif"`. Values are always quoted; an
   * empty or missing value gives the bare key; `value` `null` leaves only the parameters.
   */
  addHeader(name: string, value: string | null | undefined, params: HeaderParams = {}): void {
    const parts: string[] = [];
    if (value !== null && value !== undefined) parts.push(checkString(value, false));
    for (const [key, param] of Object.entries(params)) {
      checkString(key, true);
      const dashed = key.replaceAll('_', '-');
      parts.push(param === null || param === undefined ? dashed : formatParam(dashed, checkString(param, false)));
    }
    this.#headers.push([checkString(name, true), parts.join('; ')]);
  }

  /** Every name, in order, duplicates included. */
  keys(): string[] {
    return this.#headers.map(([key]) => key);
  }

  /** Every value, in order, duplicates included. */
  values(): string[] {
    return this.#headers.map(([, value]) => value);
  }

  /** A copy of the list (new pairs too), in order. */
  items(): HeaderPair[] {
    return this.#headers.map(([key, value]) => [key, value]);
  }

  /** Iterates copies of the pairs, so `new Headers(wsgiHeaders)` works (Python's Headers is not iterable). */
  *[Symbol.iterator](): Iterator<HeaderPair> {
    yield* this.items();
  }

  /** `str(h)`: `Name: value\r\n` per header then `\r\n`, ready to send. */
  toString(): string {
    return [...this.#headers.map(([key, value]) => `${key}: ${value}`), '', ''].join('\r\n');
  }

  /** `bytes(h)`: `toString()` in latin-1; a character above U+00FF throws (Python's UnicodeEncodeError). */
  toBytes(): Uint8Array {
    const text = this.toString();
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0xff) throw new RangeError(`Headers are not latin-1: ${quote(text)}`);
      bytes[i] = code;
    }
    return bytes;
  }
}

/**
 * `_formatparam(key, value, quote=1)`: `key="value"` with `\` and `"` escaped; an empty value gives the
 * bare key. `add_header` always asks for quotes, so wsgiref's tspecials test never matters here.
 */
function formatParam(key: string, value: string): string {
  if (value.length === 0) return key;
  return `${key}="${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function checkString(value: unknown, isName: boolean): string {
  if (typeof value !== 'string') {
    throw new TypeError(`Header names/values must be of type string (got ${quote(value)})`);
  }
  if ((isName ? NAME_DISALLOWED : VALUE_DISALLOWED).test(value)) {
    throw new TypeError(`Control characters not allowed in headers (got ${quote(value)})`);
  }
  return value;
}

function quote(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
