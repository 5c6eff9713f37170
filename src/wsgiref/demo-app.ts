/**
 * `demoApp`, the port of `wsgiref.simple_server.demo_app`: answers `Hello world!` and then the
 * environ, one `KEY = repr(value)` line per key in sorted order, as `text/plain; charset=utf-8`.
 *
 * It prints only the environ it is given, and the gateway never puts the process environment in
 * there (on Lambda that would hand out credentials). Values that are not strings, numbers, booleans
 * or arrays of those are shown by type only (`<RequestInput object>`), never by content: platform
 * extension keys such as `cloudflare.env` hold secrets.
 * @module
 */

import type { Environ, StartResponse, WsgiApp } from '../core/types.ts';

export const demoApp: WsgiApp = (environ: Environ, startResponse: StartResponse) => {
  let body = 'Hello world!\n\n';
  for (const key of Object.keys(environ).sort(compareCodePoints)) {
    body += `${key} = ${pyRepr(environ[key])}\n`;
  }
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return [body];
};

/** Python's `sorted()` on strings: by code point (JavaScript's default sort compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/** Characters Python's `str.isprintable()` refuses: other (C*) and separators (Z*) except the space. */
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** Python's `repr()` for the values an environ holds; opaque objects by type only. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return reprString(value);
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return reprNumber(value);
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.every((item) => item === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof item))) {
      return `[${items.map(pyRepr).join(', ')}]`;
    }
    return `<Array of ${items.length}>`;
  }
  if (typeof value === 'function') return `<function ${value.name || '<anonymous>'}>`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return `<${name || 'Object'} object>`;
}

function reprNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === quote || char === '\\') out += '\\' + char;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char !== ' ' && NOT_PRINTABLE.test(char)) out += escapeCodePoint(char.codePointAt(0)!);
    else out += char;
  }
  return out + quote;
}

function escapeCodePoint(code: number): string {
  if (code <= 0xff) return '\\x' + code.toString(16).padStart(2, '0');
  if (code <= 0xffff) return '\\u' + code.toString(16).padStart(4, '0');
  return '\\U' + code.toString(16).padStart(8, '0');
}
