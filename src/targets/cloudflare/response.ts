import { toResponse, type WsgiResult } from '../../core/result.ts';
import type { ExecutionContext, WorkerRequest } from './types.ts';

/**
 * The core's result as the `Response` workerd must get, with a streamed body that still tells the app
 * when its client went away.
 *
 * workerd sends a JavaScript stream body chunked and drops the `Content-Length` header that came with
 * it; only its own `FixedLengthStream` sends a streamed body with a length. And when the client goes
 * away mid-stream, workerd neither cancels a JavaScript stream body nor pulls it again if the
 * disconnect shows up as a failed socket write (its JS pump then just stops), so the app's `close()`
 * would never run. A streamed body is therefore piped by the Worker itself into one of workerd's
 * native streams (`FixedLengthStream` for a declared length, else `IdentityTransformStream`): a failed
 * write then rejects the pipe, which cancels the core's stream, whose `cancel()` runs `close()`.
 * `ctx.waitUntil` holds the request's context open until the pipe settles; without it workerd may drop
 * that context before the failed write reaches JavaScript. With the `enable_request_signal`
 * compatibility flag, `request.signal` also cancels the pipe when workerd itself sees the disconnect.
 * @module
 */

/** workerd's native identity streams: what goes into `writable` comes out of `readable` as bytes. */
type NativeStreamConstructor<A extends unknown[]> = new (...args: A) => TransformStream<Uint8Array, Uint8Array>;

function workerdGlobal<A extends unknown[]>(name: 'FixedLengthStream' | 'IdentityTransformStream'): NativeStreamConstructor<A> | undefined {
  const candidate = (globalThis as Record<string, unknown>)[name];
  return typeof candidate === 'function' ? (candidate as NativeStreamConstructor<A>) : undefined;
}

/**
 * The native stream a body goes through: one that must carry exactly the app's declared
 * `Content-Length`, or a plain identity one. `undefined` outside workerd.
 */
function nativeStream(declared: string | undefined): TransformStream<Uint8Array, Uint8Array> | undefined {
  if (declared !== undefined && /^\d+$/.test(declared)) {
    const FixedLength = workerdGlobal<[number | bigint]>('FixedLengthStream');
    if (FixedLength !== undefined) return new FixedLength(Number(declared));
  }
  const Identity = workerdGlobal<[]>('IdentityTransformStream');
  return Identity === undefined ? undefined : new Identity();
}

/**
 * The result as a `Response`. Complete bodies are bytes or a string, whose length workerd sends without help; a
 * streamed body is piped through a native stream, under `ctx.waitUntil`, and stopped by `request.signal`.
 */
export function toWorkerResponse(result: WsgiResult, request: WorkerRequest, ctx: ExecutionContext): Response {
  const body = result.body;
  if (!(body instanceof ReadableStream)) return toResponse(result, { platformCountsLength: true });
  const declared = result.headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  const native = nativeStream(declared);
  if (native === undefined) return toResponse(result);
  // The pipe carries errors through: a body that fails, or falls short of a FixedLengthStream's
  // length, aborts the response. A write that fails (the client is gone), or an abort of the signal,
  // cancels `body`, which runs the app's close(). Either way the pipe settles, so waitUntil ends.
  const signal = request.signal as AbortSignal | null | undefined;
  const piped = body.pipeTo(native.writable, signal ? { signal } : {}).catch(() => undefined);
  ctx.waitUntil(piped);
  return toResponse({ ...result, body: native.readable });
}
