/**
 * One request of the framework suite sent to a server, and its answer as the client saw it. Node's
 * `http` client (not fetch) so that the Host header is ours: both servers are asked for `testserver`,
 * and what a framework builds from it (Bottle's absolute redirect, its error page) is the same on both.
 * HEAD goes over a raw socket read until the server closes it, so that bytes sent after the head (a
 * body, which a HEAD answer must not have) are seen rather than refused by Node's parser.
 * @module
 */

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export const HOST = 'testserver';

export interface FrameworkRequest {
  readonly name: string;
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly target: string;
  readonly contentType?: string;
  readonly body?: string;
}

export interface Answer {
  readonly status: number;
  readonly reason: string;
  /** `[lower-case name, value]` in the order they arrived. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body; for HEAD, whatever the server sent after the head. */
  readonly body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/;
const ANSWER_TIMEOUT_MS = 15_000;

/** Sends `req` on a fresh connection to `port` on 127.0.0.1 and reads the whole answer. */
export function send(port: number, req: FrameworkRequest): Promise<Answer> {
  if (req.method === 'HEAD') return sendHead(port, req.target);
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string> = { Host: HOST, Connection: 'close' };
  if (req.contentType) headers['Content-Type'] = req.contentType;
  if (body) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.target, headers, setHost: false, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const raw = incoming.rawHeaders;
        const pairs: [string, string][] = [];
        for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
        resolve({ status: incoming.statusCode ?? 0, reason: incoming.statusMessage ?? '', headers: pairs, body: Buffer.concat(chunks) });
      });
    });
    outgoing.setTimeout(ANSWER_TIMEOUT_MS, () => outgoing.destroy(new Error(`${req.method} ${req.target}: no answer in 15 s`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** `HEAD target` with `Connection: close`; everything until the server closes the connection. */
function sendHead(port: number, target: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error(`HEAD ${target}: the connection stayed open 15 s`)));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.end();
      const data = Buffer.concat(received);
      const headEnd = data.indexOf(HEAD_END);
      const [statusLine = '', ...lines] = data.subarray(0, Math.max(headEnd, 0)).toString('latin1').split('\r\n');
      const status = STATUS_LINE.exec(statusLine);
      if (headEnd === -1 || !status) {
        reject(new Error(`HEAD ${target}: no response head in ${JSON.stringify(data.toString('latin1'))}`));
        return;
      }
      const headers = lines.map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      });
      resolve({ status: Number(status[1]), reason: status[2]!, headers, body: data.subarray(headEnd + HEAD_END.length) });
    });
    socket.write(`HEAD ${target} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  });
}
