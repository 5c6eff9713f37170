/**
 * `wsgi.input` over the request's `ReadableStream`: nothing is read until the app asks, and never more
 * than `maxBodyBytes` (PEP 3333 "Input and Error Streams"). Iterating yields lines, as a Python file does.
 * @module
 */

import { WsgiError } from './errors.ts';
import type { InputStream } from './types.ts';

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;

export class RequestInput implements InputStream {
  readonly #stream: ReadableStream<Uint8Array> | null;
  readonly #maxBytes: number;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Bytes received but not yet handed to the app: `#buffer` from `#offset` on. */
  #buffer: Uint8Array = EMPTY;
  #offset = 0;
  #received = 0;
  #ended: boolean;

  constructor(stream: ReadableStream<Uint8Array> | null, maxBytes: number) {
    this.#stream = stream;
    this.#maxBytes = maxBytes;
    this.#ended = stream === null;
  }

  /** Pulls one more chunk into the buffer; `false` at the end of the body. */
  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    this.#reader ??= this.#stream!.getReader();
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#reader.read();
    } catch (cause) {
      this.#ended = true;
      throw new WsgiError('input-failed', `The request body could not be read: ${String(cause)}`);
    }
    if (result.done) {
      this.#ended = true;
      return false;
    }
    const chunk = result.value;
    this.#received += chunk.length;
    if (this.#received > this.#maxBytes) {
      this.#ended = true;
      void this.#reader.cancel().catch(() => undefined);
      throw new WsgiError('body-too-large', `The request body exceeds maxBodyBytes (${this.#maxBytes})`);
    }
    const rest = this.#buffer.length - this.#offset;
    if (rest === 0) {
      this.#buffer = chunk;
    } else {
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.#buffer.subarray(this.#offset));
      joined.set(chunk, rest);
      this.#buffer = joined;
    }
    this.#offset = 0;
    return true;
  }

  #take(count: number): Uint8Array {
    const bytes = this.#buffer.subarray(this.#offset, this.#offset + count);
    this.#offset += bytes.length;
    return bytes;
  }

  get #available(): number {
    return this.#buffer.length - this.#offset;
  }

  async read(size?: number): Promise<Uint8Array> {
    if (size === undefined || size === null || size < 0) {
      while (await this.#fill());
      return this.#take(this.#available).slice();
    }
    while (this.#available < size && (await this.#fill()));
    return this.#take(Math.min(size, this.#available)).slice();
  }

  async readline(size?: number): Promise<Uint8Array> {
    const limit = size === undefined || size === null || size < 0 ? Infinity : size;
    let searchFrom = this.#offset;
    for (;;) {
      const newline = this.#buffer.indexOf(NEWLINE, searchFrom);
      if (newline !== -1 && newline - this.#offset < limit) {
        return this.#take(newline - this.#offset + 1).slice();
      }
      if (this.#available >= limit) return this.#take(limit).slice();
      const scanned = this.#available;
      if (!(await this.#fill())) return this.#take(this.#available).slice();
      searchFrom = this.#offset + scanned;
    }
  }

  async readlines(hint?: number): Promise<Uint8Array[]> {
    const lines: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
      total += line.length;
      if (hint !== undefined && hint > 0 && total >= hint) return lines;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }
}
