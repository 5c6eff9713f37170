/**
 * The core's `WsgiResult` → the Node.js runtime's response stream (invoke mode RESPONSE_STREAM): status,
 * headers and cookies in the `HttpResponseStream.from` prelude, then the body chunk by chunk, waiting
 * for `drain` whenever the stream says its buffer is full.
 * @module
 */

import type { WsgiResult } from '../../core/result.ts';
import { toPrelude, type ResultHeaders } from './result.ts';
import type { AwsLambdaGlobal, ResponseStream } from './types.ts';

/**
 * Writes `result` (its headers already split) to `responseStream` and resolves once the runtime has
 * the whole body. If the body fails (the app raised after its headers), this rejects *without* ending
 * the stream: the handler's rejection makes the runtime end the invocation with its error trailers,
 * so the client sees a broken response, never error text inside a 200.
 */
export async function writeResponse(
  result: WsgiResult,
  headers: ResultHeaders,
  responseStream: ResponseStream,
  awslambda: AwsLambdaGlobal,
): Promise<void> {
  const stream = awslambda.HttpResponseStream.from(responseStream, toPrelude(result.status, headers));
  // The runtime writes the prelude lazily, on the first write(): an empty write sends it (and its
  // eight NUL bytes) even when the body is empty, e.g. for a 204 or a HEAD.
  stream.write('');
  const body = result.body;
  if (body instanceof Uint8Array || typeof body === 'string') {
    if (body.length > 0 && !stream.write(body)) await drained(stream);
  } else if (body !== null) {
    const reader = (body instanceof Blob ? body.stream() : body).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!stream.write(value)) await drained(stream);
      }
    } catch (error) {
      // Release the app (its close() runs) when the stream, not the app, failed; harmless otherwise.
      await reader.cancel(error).catch(() => {});
      throw error;
    }
  }
  await ended(stream);
}

/** Resolves on `drain`; rejects if the stream errors or closes first. */
function drained(stream: ResponseStream): Promise<void> {
  return waitFor(stream, 'drain');
}

/** Ends the stream and resolves once everything was flushed (`finish`). */
function ended(stream: ResponseStream): Promise<void> {
  const done = waitFor(stream, 'finish');
  stream.end();
  return done;
}

function waitFor(stream: ResponseStream, event: 'drain' | 'finish'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      stream.off(event, onEvent);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error instanceof Error ? error : new Error(`Response stream failed: ${String(error)}`));
    };
    const onClose = () => {
      cleanup();
      if (event === 'finish' && stream.writableFinished) resolve();
      else reject(new Error(`The response stream closed while waiting for ${JSON.stringify(event)}`));
    };
    stream.on(event, onEvent);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
