/**
 * wsgi-edge: the WSGI calling convention (PEP 3333) over Fetch `Request`/`Response`.
 *
 * ```ts
 * import { handle, type WsgiApp } from 'wsgi-edge';
 * const app: WsgiApp = (environ, startResponse) => {
 *   startResponse('200 OK', [['Content-Type', 'text/plain']]);
 *   return [`Hello from ${environ.PATH_INFO}`];
 * };
 * export default { fetch: (request: Request) => handle(app, request) };
 * ```
 * @module
 */

export { handle, respond } from './core/gateway.ts';
export { toResponse, type WsgiResult } from './core/result.ts';
export { buildEnviron } from './core/environ.ts';
export { WsgiError, type WsgiErrorCode } from './core/errors.ts';
export { bytesToNative, nativeToBytes, toNative } from './core/native-string.ts';
export type { TrustProxy } from './core/proxy.ts';
export type {
  Chunk,
  Environ,
  ErrorStream,
  GatewayOptions,
  HeaderPair,
  IncomingRequest,
  InputStream,
  RequestHeaders,
  ResponseBody,
  StartResponse,
  WriteFn,
  WsgiApp,
} from './core/types.ts';
