/**
 * One request's side of `start_response`: the status and headers the app set, whether they count as
 * sent, and the chunks `write()` queued. The role of wsgiref `BaseHandler.start_response`/`write`.
 * @module
 */

import { WsgiError } from './errors.ts';
import { checkHeaders, parseStatus, quote, type ParsedStatus } from './protocol.ts';
import type { Chunk, HeaderPair, StartResponse, WriteFn } from './types.ts';

export class Exchange {
  status: ParsedStatus | undefined;
  headers: HeaderPair[] = [];
  /** The app's own Content-Length, which the body is held to. */
  contentLength: number | undefined;
  /**
   * Set once the first non-empty chunk, a `write()` or the end of the body has fixed status and
   * headers (PEP 3333 D9). From then on `startResponse` with `excInfo` rethrows.
   */
  headersSent = false;
  /** Set when no more body can come; a later `write()` is an error. */
  ended = false;
  /**
   * Non-empty chunks not yet handed to the response, as the app gave them: strings stay strings until
   * bytes are needed, so a page made only of strings can be sent as one string (encoded by the platform).
   */
  readonly queued: Chunk[] = [];
  #called = false;

  readonly startResponse: StartResponse = (status, headers, excInfo) => {
    if (excInfo !== undefined && excInfo !== null) {
      // PEP 3333 D12: too late to replace what was sent; re-raise the app's own error.
      if (this.headersSent) throw excInfo;
    } else if (this.#called) {
      throw new WsgiError('start-response-twice', 'startResponse() called a second time without excInfo');
    }
    // Marked before the checks: a second call after a failed first one is still a second call (D14).
    this.#called = true;
    const parsed = parseStatus(status);
    const checked = checkHeaders(headers);
    this.status = parsed;
    this.headers = checked.pairs;
    this.contentLength = checked.contentLength;
    return this.write;
  };

  readonly write: WriteFn = (chunk) => {
    if (this.ended) throw new WsgiError('write-after-end', 'write() called after the response ended');
    checkChunk(chunk);
    this.headersSent = true;
    if (chunk.length > 0) this.queued.push(chunk);
  };

  /** The status, or the app's error when it never called `startResponse` before the body began. */
  requireStatus(): ParsedStatus {
    if (this.status === undefined) {
      throw new WsgiError('no-start-response', 'The app sent body data without calling startResponse() first');
    }
    return this.status;
  }
}

/** Bytes or a string: what a body chunk must be. */
export function isChunk(value: unknown): value is Chunk {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** Anything but bytes or a string as a body chunk is the app's error. */
export function checkChunk(chunk: unknown): asserts chunk is Chunk {
  if (!isChunk(chunk)) {
    throw new WsgiError('bad-chunk', `Body chunks must be Uint8Array or string (got ${quote(chunk)})`);
  }
}
