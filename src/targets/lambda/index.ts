/**
 * `wsgi-edge/lambda`: a WSGI app as an AWS Lambda handler, for function URLs, API Gateway (REST and
 * HTTP API) and ALB.
 *
 * ```ts
 * import { handle, streamHandle } from 'wsgi-edge/lambda';
 * export const handler = handle(app);                // invoke mode BUFFERED, API Gateway, ALB
 * export const streamingHandler = streamHandle(app); // function URL, invoke mode RESPONSE_STREAM
 * ```
 * @module
 */

import { respond } from '../../core/gateway.ts';
import type { WsgiResult } from '../../core/result.ts';
import { logError } from '../../core/error-stream.ts';
import type { IncomingRequest, WsgiApp } from '../../core/types.ts';
import { BadEventError, detectSource, isServerWideOptions, toIncomingRequest } from './event.ts';
import { LoggerErrorStream, resolveLogger } from './logger.ts';
import { errorResult, MAX_BUFFERED_BYTES, splitHeaders, toResult } from './result.ts';
import { writeResponse } from './stream.ts';
import type {
  AwsLambdaGlobal,
  LambdaContext,
  LambdaHandler,
  LambdaHttpEvent,
  LambdaOptions,
  LambdaStreamHandler,
  ResponseStream,
} from './types.ts';

export { MAX_BUFFERED_BYTES } from './result.ts';
export { failInvocation } from './fatal.ts';
export type * from './types.ts';

/** A buffered handler: one result object per invocation, in the shape of the event's source. */
export function handle(app: WsgiApp, options: LambdaOptions = {}): LambdaHandler {
  return async (event, context) => {
    const source = detectSource(event);
    const call = await prepare(event, context, options);
    if (call.answer) return errorResult(source, call.answer.status, call.answer.reason, call.answer.body);
    // Nothing leaves a buffered invocation before the end: read the body ahead, up to the payload limit.
    const result = await respond(app, call.request, { ...call.gateway, bufferBodyUpTo: MAX_BUFFERED_BYTES });
    return toResult(result, source, {
      isBinary: options.isBinary,
      log: (message) => logError(call.errors, message),
      label: call.label,
    });
  };
}

/**
 * A streaming handler (`awslambda.streamifyResponse`) for a function URL in RESPONSE_STREAM mode:
 * the body reaches the client as the app produces it, beyond the 6 MB buffered limit.
 */
export function streamHandle(app: WsgiApp, options: LambdaOptions = {}): LambdaStreamHandler {
  const handler: LambdaStreamHandler = async (event, responseStream: ResponseStream, context) => {
    const awslambda = runtimeGlobal();
    detectSource(event);
    const call = await prepare(event, context, options);
    const result = call.answer ? fixedResult(call.answer) : await respond(app, call.request, call.gateway);
    const headers = splitHeaders(result.headers);
    const encoding = headers.get('content-encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') {
      call.logger.warn(
        `Streaming a response with Content-Encoding ${JSON.stringify(encoding)} (${call.label}): function URLs in ` +
        'RESPONSE_STREAM mode are reported to decode the body and drop that header; prefer uncompressed streams',
      );
    }
    await writeResponse(result, headers, responseStream, awslambda);
  };
  return streamify(handler);
}

/** A request the target answers itself, without calling the app. */
interface FixedAnswer {
  status: number;
  reason: string;
  body: string;
}

/** An event no request can express (a method Fetch forbids, a URL that is none). */
const BAD_REQUEST: FixedAnswer = { status: 400, reason: 'Bad Request', body: 'Bad Request' };
/** `OPTIONS *` asks about the server, not a resource: answered as the Node simple server answers it. */
const SERVER_WIDE_OPTIONS: FixedAnswer = { status: 200, reason: 'OK', body: '' };

function fixedResult(answer: FixedAnswer): WsgiResult {
  return {
    status: answer.status,
    statusText: '',
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: new TextEncoder().encode(answer.body),
  };
}

type Prepared =
  | { answer?: undefined; request: IncomingRequest; gateway: Parameters<typeof respond>[2]; errors: LoggerErrorStream; logger: Awaited<ReturnType<typeof resolveLogger>>; label: string }
  | { answer: FixedAnswer; errors: LoggerErrorStream; logger: Awaited<ReturnType<typeof resolveLogger>>; label: string };

/** Logger with this invocation's context, `wsgi.errors`, and the converted request. */
async function prepare(event: LambdaHttpEvent, context: LambdaContext, options: LambdaOptions): Promise<Prepared> {
  const logger = await resolveLogger(options.logger);
  logger.addContext?.(context);
  const errors = new LoggerErrorStream(logger);
  const source = detectSource(event);
  if (isServerWideOptions(event, source)) return { answer: SERVER_WIDE_OPTIONS, errors, logger, label: 'OPTIONS *' };
  try {
    const { request, gateway } = toIncomingRequest(event, context, source, options, errors);
    return { request, gateway, errors, logger, label: `${request.method} ${gateway.rawUri}` };
  } catch (error) {
    if (!(error instanceof BadEventError)) throw error;
    logError(errors, `400 Bad Request: ${error.message}`);
    return { answer: BAD_REQUEST, errors, logger, label: '' };
  }
}

function runtimeGlobal(): AwsLambdaGlobal {
  const awslambda = (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda;
  if (!awslambda?.HttpResponseStream) {
    throw new Error(
      'streamHandle() needs the `awslambda` global of the Lambda Node.js runtime (missing here; ' +
      'AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA may be set)',
    );
  }
  return awslambda;
}

/** The runtime's symbol for a handler that takes a response stream (what `streamifyResponse` sets). */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

function streamify(handler: LambdaStreamHandler): LambdaStreamHandler {
  const awslambda = (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda;
  if (awslambda) return awslambda.streamifyResponse(handler);
  // Loaded outside the runtime (a test, a bundler, the global turned off): tag it the same way, so
  // importing an entry that also exports a streaming handler never throws.
  return Object.assign(handler, { [STREAMING]: 'response' });
}
