/**
 * `handle(app, request)`: calls a WSGI app for a Fetch `Request` and turns what it gave `startResponse`,
 * `write()` and its body iterable into a streaming `Response` (PEP 3333 "The Server/Gateway Side";
 * the role of wsgiref `BaseHandler.run`). `respond()` is the same without the `Response`, for transports
 * that write the result themselves.
 * @module
 */

import { BodyPump } from './body-pump.ts';
import { environFor, DEFAULT_MAX_BODY_BYTES, Refusal } from './environ.ts';
import { createErrorStream, logError } from './error-stream.ts';
import { BAD_URL_BODY, CLIENT_ERROR_BODY } from './errors.ts';
import { Exchange } from './exchange.ts';
import { quote } from './protocol.ts';
import { failedResult, plainResult, toResponse, type WsgiResult } from './result.ts';
import type { GatewayOptions, IncomingRequest, ResponseBody, WsgiApp } from './types.ts';

/** Calls `app` for `request` and resolves to its `Response` once its status and headers are known. */
export async function handle(app: WsgiApp, request: Request, options: GatewayOptions = {}): Promise<Response> {
  return toResponse(await respond(app, request, options));
}

/**
 * Calls `app` for `request` and resolves to its result once its status and headers are known. `request`
 * is a Fetch `Request` or, for a transport that has none, the parts the gateway reads.
 */
export async function respond(app: WsgiApp, request: IncomingRequest, options: GatewayOptions = {}): Promise<WsgiResult> {
  const environ = environFor(request, options);
  if (environ instanceof Refusal) {
    // Outside scriptName is an ordinary miss; a URL that is none is worth a line.
    if (environ.status === 404) return plainResult(404, CLIENT_ERROR_BODY[404]!);
    logError(createErrorStream(options.errors), `400 ${request.method}: ${environ.message}`);
    return plainResult(400, BAD_URL_BODY);
  }
  const errors = environ['wsgi.errors'];

  const rejection = checkRequestLength(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  if (rejection) {
    logError(errors, `${rejection.status} ${request.method} ${environ.RAW_URI}: ${rejection.message}`);
    return plainResult(rejection.status, CLIENT_ERROR_BODY[rejection.status]!);
  }

  const exchange = new Exchange();
  let body: ResponseBody;
  try {
    body = await app(environ, exchange.startResponse);
  } catch (error) {
    return failedResult(exchange, environ, errors, error);
  }
  return new BodyPump(exchange, environ, errors, body, options.bufferBodyUpTo).respond();
}

/** A `Content-Length` that is malformed or over the limit is refused before the app runs. */
function checkRequestLength(request: IncomingRequest, maxBodyBytes: number): { status: number; message: string } | undefined {
  const declared = request.headers.get('content-length');
  if (declared === null) return undefined;
  if (!/^\d+$/.test(declared.trim())) {
    return { status: 400, message: `malformed Content-Length ${quote(declared)}` };
  }
  if (Number(declared) > maxBodyBytes) {
    return { status: 413, message: `Content-Length ${declared} exceeds maxBodyBytes (${maxBodyBytes})` };
  }
  return undefined;
}
