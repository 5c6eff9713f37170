/**
 * A raw HTTP/1.1 client for the wire properties and the conformance suite's request cases: one request
 * on a fresh loopback socket, the response kept as the bytes that arrived (status line, each header line
 * as sent, the body after de-chunking) and whether it was cut short (the connection ended before the
 * framing said the message was complete). Fetch and Node's `http` would refuse or normalise exactly what
 * these tests look for (a CR or LF in a header value, a malformed line; on the request side an HTTP/1.0
 * request line, a query byte for byte, a GET body, a repeated Host), so requests are written and
 * responses parsed here, leniently, and judged by the test.
 * @module
 */

import { connect } from 'node:net';

export interface RawResponse {
  /** The status line, without its CRLF (latin-1). */
  statusLine: string;
  /** 0 when the connection ended before any byte of a response arrived. */
  status: number;
  /** Each header line as it arrived between the status line and the blank line (split on CRLF only). */
  headerLines: Buffer[];
  /** `[lower-case name, value]` of the well-formed lines, the value without surrounding whitespace. */
  headers: [string, Buffer][];
  body: Buffer;
  framing: 'none' | 'length' | 'chunked' | 'close';
  /** The connection ended (or failed) before the message was complete. */
  cutShort: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):(.*)$/s;

interface Parsed {
  response: RawResponse;
  complete: boolean;
}

/** Parses what arrived so far; `undefined` while the head is incomplete. */
function parse(data: Buffer, method: string, ended: boolean): Parsed | undefined {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd === -1) return undefined;
  const lines: Buffer[] = [];
  for (let at = 0; at <= headEnd;) {
    const next = data.indexOf(CRLF, at);
    lines.push(data.subarray(at, next));
    at = next + 2;
  }
  const statusLine = lines.shift()!.toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1] ?? NaN);
  const headers: [string, Buffer][] = [];
  for (const line of lines) {
    const match = HEADER_LINE.exec(line.toString('latin1'));
    if (match) headers.push([match[1]!.toLowerCase(), Buffer.from(match[2]!.replace(/^[ \t]+|[ \t]+$/g, ''), 'latin1')]);
  }
  const get = (name: string) => headers.filter(([n]) => n === name).map(([, v]) => v.toString('latin1'));
  const rest = data.subarray(headEnd + 4);
  const base = { statusLine, status, headerLines: lines, headers };
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { response: { ...base, body: rest, framing: 'none', cutShort: false }, complete: true };
  }
  if (get('transfer-encoding').some((v) => /chunked/i.test(v))) {
    const pieces: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf(CRLF, at);
      if (lineEnd === -1) break;
      const size = parseInt(rest.subarray(at, lineEnd).toString('latin1').split(';')[0]!.trim(), 16);
      if (!Number.isFinite(size)) break;
      if (size === 0) {
        // The last chunk, then (no trailers here) the final CRLF.
        const complete = rest.indexOf(CRLF, lineEnd + 2) === lineEnd + 2;
        return { response: { ...base, body: Buffer.concat(pieces), framing: 'chunked', cutShort: !complete && ended }, complete };
      }
      if (rest.length < lineEnd + 2 + size + 2) break;
      pieces.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    return { response: { ...base, body: Buffer.concat(pieces), framing: 'chunked', cutShort: ended }, complete: false };
  }
  const length = get('content-length')[0];
  if (length !== undefined) {
    const n = Number(length);
    const complete = rest.length >= n;
    return { response: { ...base, body: rest.subarray(0, n), framing: 'length', cutShort: !complete && ended }, complete };
  }
  return { response: { ...base, body: rest, framing: 'close', cutShort: false }, complete: false };
}

/**
 * Sends `METHOD target HTTP/1.1` with `Connection: close` to `origin` (http://127.0.0.1:port) and resolves
 * with the response once its framing says it is complete or the connection ends (status 0: it ended
 * before a byte arrived); rejects if only part of a response head arrived (bounded: 15 s).
 */
export function rawRequest(origin: string, method: string, target: string): Promise<RawResponse> {
  const { host } = new URL(origin);
  return rawExchange(origin, method, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n` +
    (method === 'POST' ? 'Content-Length: 0\r\n' : '') + '\r\n');
}

/** `bytes` (a latin-1 string: one character a byte) as one request, answered as `rawRequest` answers. */
export function rawExchange(origin: string, method: string, bytes: string): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  const requestLine = bytes.slice(0, Math.max(0, bytes.indexOf('\r\n')));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    let failed = false;
    let settled = false;
    const finish = (ended: boolean) => {
      if (settled) return;
      const data = Buffer.concat(received);
      const parsed = parse(data, method, ended);
      if (parsed && (parsed.complete || ended)) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        const response = parsed.response;
        // A connection that failed (reset) before a read-to-close body ended cuts it short too.
        if (failed && response.framing === 'close') response.cutShort = true;
        resolve(response);
      } else if (ended && data.length === 0) {
        // The connection ended without a byte: no response at all (status 0).
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve({ statusLine: '', status: 0, headerLines: [], headers: [], body: Buffer.alloc(0), framing: 'none', cutShort: true });
      } else if (ended) {
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`No complete response head for ${requestLine}: ${JSON.stringify(data.toString('latin1'))}`));
      }
    };
    const timer = setTimeout(() => {
      failed = true;
      finish(true);
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      finish(false);
    });
    socket.on('error', () => { failed = true; });
    socket.on('close', () => finish(true));
    socket.write(Buffer.from(bytes, 'latin1'));
  });
}

/**
 * Everything the server sends back for `bytes` (a latin-1 string) until it closes the connection, or until
 * `enough` says what arrived is all that is awaited: for what happens across requests on one connection.
 * Rejects if it stays open without that (bounded: 15 s).
 */
export function rawUntilClose(origin: string, bytes: string, enough: (received: Buffer) => boolean = () => false): Promise<Buffer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`The server kept the connection open; it sent ${JSON.stringify(Buffer.concat(received).toString('latin1'))}`));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (enough(Buffer.concat(received))) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received));
    });
    socket.write(Buffer.from(bytes, 'latin1'));
  });
}
