/**
 * `handle(app, request)`: calls a WSGI app for a Fetch `Request` and turns what it gave `startResponse`,
 * `write()` and its body iterable into a streaming `Response` (PEP 3333 "The Server/Gateway Side";
 * the role of wsgiref `BaseHandler.run`). `respond()` is the same without the `Response`, for transports
 * that write the result themselves.
 * @module
 */

import { BodyPump, listResult } from './body-pump.ts';
import { environFor, Refusal } from './environ.ts';
import { createErrorStream, logError } from './error-stream.ts';
import { Exchange } from './exchange.ts';
import { isPromiseLike } from './promise.ts';
import { failedResult, plainResult, toResponse, type WsgiResult } from './result.ts';
import type { Environ, ErrorStream, GatewayOptions, IncomingRequest, ResponseBody, StartResponse, WsgiApp } from './types.ts';

/** Calls `app` for `request` and resolves to its `Response` once its status and headers are known. */
export async function handle(app: WsgiApp, request: Request, options: GatewayOptions = {}): Promise<Response> {
  return toResponse(await dispatch(app, request, options));
}

/**
 * Calls `app` for `request` and resolves to its result once its status and headers are known. `request`
 * is a Fetch `Request` or, for a transport that has none, the parts the gateway reads.
 */
export async function respond(app: WsgiApp, request: IncomingRequest, options: GatewayOptions = {}): Promise<WsgiResult> {
  return dispatch(app, request, options);
}

/** Set on an app that lists every environ key (see `listingEnviron`). */
const LISTS_ENVIRON = Symbol('wsgi-edge: the app lists the environ');
/** Set on an app that is told of each request when it is prepared (see `preparingApp`). */
const PREPARES = Symbol('wsgi-edge: the app prepares its requests');
type MarkedApp = WsgiApp & { [LISTS_ENVIRON]?: true; [PREPARES]?: PrepareHook };

/** Told of a request once its environ is built, before its app is called with the same environ and `startResponse`. */
export type PrepareHook = (environ: Environ, startResponse: StartResponse) => void;

/**
 * Marks `app` as one that lists every environ key whatever the request (the Python bridge sends them all
 * across): the gateway then builds its environ at once, where a lazy one (`lazyHeaders`) would be filled
 * on that first listing at more cost (bench/PROFILE.md: 3.7 against 1.1 µs on Deno). The app sees the same
 * environ either way.
 */
export function listingEnviron<App extends WsgiApp>(app: App): App {
  (app as MarkedApp)[LISTS_ENVIRON] = true;
  return app;
}

/**
 * Marks `app` as one that `prepare` tells of each request as soon as the gateway has built its environ,
 * before the app itself is called with the same environ and `startResponse`. A server that serves a
 * turn's requests together prepares them all before it calls any app (`TurnBatch`), so such an app can do
 * the work of all of them at once where that costs less (the Python bridge runs every app of a turn in
 * one call into the interpreter, src/python/bridge.ts); served alone, the app is called right after.
 * Only the app the gateway is given is asked: an app wrapped around it is called as any other.
 */
export function preparingApp<App extends WsgiApp>(app: App, prepare: PrepareHook): App {
  (app as MarkedApp)[PREPARES] = prepare;
  return app;
}

/**
 * `respond()` for the targets: the result itself rather than a promise of it when nothing had to be
 * waited for (a sync app returning a list or a short sync iterable), so a platform that takes a
 * `Response` at once can answer without a turn of the event loop.
 */
export function dispatch(app: WsgiApp, request: IncomingRequest, options: GatewayOptions = {}): WsgiResult | Promise<WsgiResult> {
  return prepareDispatch(app, request, options)();
}

/** What runs a prepared request's app and gives `dispatch()`'s result. */
export type RunApp = () => WsgiResult | Promise<WsgiResult>;

/**
 * `dispatch()` in two steps: the gateway's own work before the app (the environ) now, the app when the
 * returned function is called. A server that serves a turn's requests together prepares them all first,
 * so that the apps then run back to back with as little of the gateway's code between them as can be:
 * a Python app runs slower after any JavaScript that evicts its working set (bench/PROFILE.md).
 */
export function prepareDispatch(app: WsgiApp, request: IncomingRequest, options: GatewayOptions = {}): RunApp {
  const errors = createErrorStream(options.errors);
  const environ = environFor(request, options, (app as MarkedApp)[LISTS_ENVIRON] === true, errors);
  if (environ instanceof Refusal) {
    // Outside scriptName is an ordinary miss; the rest are worth a line.
    if (environ.status !== 404) logError(errors, `${environ.status} ${request.method} ${options.rawUri ?? request.url}: ${environ.message}`);
    const refused = plainResult(environ.status, environ.body);
    return () => refused;
  }
  const exchange = new Exchange();
  (app as MarkedApp)[PREPARES]?.(environ, exchange.startResponse);
  // The request's own method decides a body-less answer (as gunicorn does), whatever an app or its
  // middleware makes of REQUEST_METHOD; and it is not a read through a lazy environ's Proxy.
  return () => runApp(app, environ, exchange, request.method, errors, options);
}

function runApp(app: WsgiApp, environ: Environ, exchange: Exchange, method: string, errors: ErrorStream, options: GatewayOptions): WsgiResult | Promise<WsgiResult> {
  let body: ResponseBody | Promise<ResponseBody>;
  try {
    body = app(environ, exchange.startResponse);
  } catch (error) {
    return failedResult(exchange, environ, errors, error);
  }
  if (isPromiseLike(body)) {
    return Promise.resolve(body).then(
      (ready) => pumpBody(exchange, environ, method, errors, ready, options),
      (error: unknown) => failedResult(exchange, environ, errors, error),
    );
  }
  return pumpBody(exchange, environ, method, errors, body, options);
}

function pumpBody(exchange: Exchange, environ: Environ, method: string, errors: ErrorStream, body: ResponseBody, options: GatewayOptions): WsgiResult | Promise<WsgiResult> {
  return listResult(exchange, method, body, options) ?? new BodyPump(exchange, environ, method, errors, body, options).respond();
}
