/**
 * PEP 3333 "native strings": every character stands for one byte (U+0000..U+00FF, i.e. latin-1).
 * Every string the gateway puts in the environ or takes from `startResponse` passes through here, so the
 * byte ↔ string mapping lives in exactly one place (Werkzeug's `_wsgi_encoding_dance` plays the same role).
 * @module
 */

const utf8 = new TextEncoder();
const NON_LATIN1 = /[^\x00-\xff]/;

/** Bytes → native string (latin-1 decoding: byte N becomes code point N). */
export function bytesToNative(bytes: Uint8Array): string {
  let out = '';
  // Chunked so a long body cannot overflow the argument limit of String.fromCharCode.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return out;
}

/** Native string → bytes; throws on a character above U+00FF, which no native string may hold. */
export function nativeToBytes(native: string): Uint8Array {
  const bytes = new Uint8Array(native.length);
  for (let i = 0; i < native.length; i++) {
    const code = native.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`Not a native (latin-1) string: ${JSON.stringify(native)}`);
    bytes[i] = code;
  }
  return bytes;
}

/**
 * Any platform string → native string. Strings that are already latin-1 (what Fetch `Headers` hold)
 * pass unchanged; anything wider is taken as text and re-expressed as its UTF-8 bytes.
 */
export function toNative(text: string): string {
  return NON_LATIN1.test(text) ? bytesToNative(utf8.encode(text)) : text;
}

/** `true` when every character of `text` is U+0000..U+00FF. */
export function isNative(text: string): boolean {
  return !NON_LATIN1.test(text);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes a URL path to bytes and returns them as a native string, as wsgiref, gunicorn and
 * waitress do (`/caf%C3%A9` → `'/caf\u00c3\u00a9'`). A `%` not followed by two hex digits stays as it is.
 */
export function unquoteToNative(path: string): string {
  if (!path.includes('%')) return toNative(path);
  const source = toNative(path);
  let out = '';
  let start = 0;
  let i = source.indexOf('%');
  while (i !== -1 && i + 2 < source.length) {
    const high = hexValue(source.charCodeAt(i + 1));
    const low = hexValue(source.charCodeAt(i + 2));
    if (high >= 0 && low >= 0) {
      out += source.slice(start, i) + String.fromCharCode(high * 16 + low);
      start = i + 3;
    }
    i = source.indexOf('%', high >= 0 && low >= 0 ? i + 3 : i + 1);
  }
  return out + source.slice(start);
}

/** Below this length an ASCII string is copied to bytes in JavaScript: `TextEncoder` costs a microsecond a call on Node. */
const SHORT_STRING = 128;

/** A body chunk as bytes: strings are sent as UTF-8. */
export function chunkToBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk !== 'string') return chunk;
  if (chunk.length > SHORT_STRING) return utf8.encode(chunk);
  const bytes = new Uint8Array(chunk.length);
  for (let i = 0; i < chunk.length; i++) {
    const code = chunk.charCodeAt(i);
    if (code > 0x7f) return utf8.encode(chunk);
    bytes[i] = code;
  }
  return bytes;
}

/** The number of bytes `text` takes in UTF-8 (a lone surrogate is sent as U+FFFD, three bytes). */
export function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) length += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++; // a surrogate pair: four bytes for two code units
      length += 2;
    } else length += 2;
  }
  return length;
}

/**
 * The chunks as one body: a string when every chunk is one (the platform encodes it as UTF-8, as
 * `chunkToBytes` would), else bytes.
 */
export function joinChunks(chunks: readonly (Uint8Array | string)[]): Uint8Array | string {
  if (chunks.length === 1) return chunks[0]!;
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') return concatBytes(chunks.map(chunkToBytes));
  }
  return chunks.join('');
}

/** The chunks as one byte array (the one chunk itself when there is one). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
