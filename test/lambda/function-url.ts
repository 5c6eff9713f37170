/**
 * The function URL front end, for tests that speak HTTP: a Fetch `Request` becomes the payload 2.0
 * event a function URL would send, and what the runtime returned (a buffered result, or a streamed
 * prelude and body) becomes the `Response` the client would get, per the documented rules
 * (lambda-runtime.md §8: cookies → Set-Cookie, base64 bodies decoded, inferred 200 for other JSON).
 * @module
 */

import type { Wire, WireAnswer, WireRequest } from '../conformance/request-cases.ts';
import type { LambdaFunction, LiveStream, Outcome } from './runtime-api.ts';

const NULL_BODY = new Set([101, 204, 205, 304]);
const TEXTUAL = /^(?:text\/|application\/(?:json|xml|javascript|x-www-form-urlencoded))/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
let sequence = 0;

/** A buffered Lambda result as the runtime receives it, in any of the source shapes. */
export interface Payload {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** What the app's environ holds from the event and context of a function URL invocation under the test runtime. */
export const LAMBDA_ENVIRON = {
  'aws_lambda.event.version': { type: 'string', value: '2.0' },
  'aws_lambda.context.functionName': { type: 'string', value: 'wsgi-edge-test' },
  'aws_lambda.context.getRemainingTimeInMillis': { type: 'function' },
};

export interface EventOptions {
  sourceIp?: string;
}

/** The event a function URL sends for `request` (headers comma-joined, cookies split out, body base64 unless text). */
export async function requestToEvent(request: Request, options: EventOptions = {}): Promise<Record<string, unknown>> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = value;
  headers.host = url.host;
  headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
  headers['x-forwarded-port'] = url.port || (url.protocol === 'https:' ? '443' : '80');
  headers['x-forwarded-for'] = options.sourceIp ?? '127.0.0.1';
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'fn-id',
      domainName: 'fn-id.lambda-url.us-east-1.on.aws',
      domainPrefix: 'fn-id',
      http: { method: request.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: options.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `furl-${++sequence}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
  if (headers.cookie) event.cookies = headers.cookie.split(';').map((c) => c.trim()).filter(Boolean);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > 0) {
    let text: string | undefined;
    if (TEXTUAL.test(headers['content-type'] ?? '')) {
      try { text = strictUtf8.decode(body); } catch { text = undefined; }
    }
    event.body = text ?? Buffer.from(body).toString('base64');
    event.isBase64Encoded = text === undefined;
  }
  return event;
}

/**
 * The event a function URL would send for a request as the wire carried it (request-cases.ts): the target's
 * path and query as `rawPath` and `rawQueryString`, its version as `requestContext.http.protocol`, its
 * Host lines comma-joined as the front end joins repeated headers, a body base64 so every byte survives.
 */
export function wireToEvent(request: WireRequest, origin: URL, options: EventOptions = {}): Record<string, unknown> {
  const queryStart = request.target.indexOf('?');
  const rawPath = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const sourceIp = options.sourceIp ?? '127.0.0.1';
  const headers: Record<string, string> = {
    host: (request.hosts ?? [origin.host]).join(','),
    'x-forwarded-proto': origin.protocol.slice(0, -1),
    'x-forwarded-port': origin.port || (origin.protocol === 'https:' ? '443' : '80'),
    'x-forwarded-for': sourceIp,
  };
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: queryStart === -1 ? '' : request.target.slice(queryStart + 1),
    headers,
    requestContext: {
      domainName: 'fn-id.lambda-url.us-east-1.on.aws',
      http: { method: request.method, path: rawPath, protocol: request.version, sourceIp, userAgent: '' },
      requestId: `furl-${++sequence}`,
      stage: '$default',
    },
    isBase64Encoded: false,
  };
  if (request.body !== undefined) {
    headers['content-length'] = String(request.body.length);
    event.body = Buffer.from(request.body, 'latin1').toString('base64');
    event.isBase64Encoded = true;
  }
  return event;
}

/** A `Response` as the wire cases read it. */
async function toWireAnswer(response: Response): Promise<WireAnswer> {
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** The request cases' wire to a function behind a function URL at `origin`, in the invoke mode given. */
export function functionUrlWire(fn: () => LambdaFunction, mode: 'buffered' | 'streaming', origin: URL, sourceIp: string): Wire {
  return {
    async send(request) {
      const event = wireToEvent(request, origin, { sourceIp });
      if (mode === 'streaming') return toWireAnswer(await streamToResponse(fn().invokeStream(event, { timeoutMs: 20_000, clientPaced: true })));
      return toWireAnswer(resultToResponse(await fn().invoke(event, { timeoutMs: 20_000 })));
    },
  };
}

interface Result {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

function responseHeaders(source: { headers?: Record<string, string>; cookies?: string[] }): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(source.headers ?? {})) headers.append(name, value);
  for (const cookie of source.cookies ?? []) headers.append('set-cookie', cookie);
  return headers;
}

/** A buffered invocation's result as the client sees it (a failed invocation: 502). */
export function resultToResponse(outcome: Outcome): Response {
  if (outcome.kind !== 'response') return new Response(`Invocation failed: ${outcome.kind}`, { status: 502 });
  const result = outcome.payload as Result | null;
  if (result === null || typeof result !== 'object' || typeof result.statusCode !== 'number') {
    return new Response(JSON.stringify(result), { status: 200, headers: { 'content-type': 'application/json' } });
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  const init = { status: result.statusCode, headers: responseHeaders(result) };
  return new Response(NULL_BODY.has(result.statusCode) ? null : new Uint8Array(body), init);
}

/** A streamed invocation as the client sees it: status and headers from the prelude, then the body. */
export async function streamToResponse(live: LiveStream): Promise<Response> {
  const prelude = await live.prelude as Result | undefined;
  if (!prelude || typeof prelude.statusCode !== 'number') {
    return new Response(live.body, { status: 200, headers: { 'content-type': 'application/octet-stream' } });
  }
  const init = { status: prelude.statusCode, headers: responseHeaders(prelude) };
  if (NULL_BODY.has(prelude.statusCode)) {
    await live.body.cancel();
    return new Response(null, init);
  }
  return new Response(live.body, init);
}

/**
 * A client of `fn` behind a function URL, in the invoke mode given: each `Request` becomes one invocation,
 * and what the runtime sent back the `Response` (a streamed body read as the client reads it).
 */
export function functionUrlFetch(fn: () => LambdaFunction, mode: 'buffered' | 'streaming', options: EventOptions & { timeoutMs?: number } = {}): (request: Request) => Promise<Response> {
  const { timeoutMs = 20_000, ...eventOptions } = options;
  return async (request) => {
    const event = await requestToEvent(request, eventOptions);
    if (mode === 'streaming') return streamToResponse(fn().invokeStream(event, { timeoutMs, clientPaced: true }));
    return resultToResponse(await fn().invoke(event, { timeoutMs }));
  };
}
