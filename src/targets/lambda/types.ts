/**
 * The AWS Lambda shapes the target reads and writes, declared structurally (no dependency on
 * `@types/aws-lambda`): the HTTP events of function URLs / HTTP API payload 2.0, API Gateway REST
 * (and HTTP API payload 1.0), ALB in both header modes, their result shapes, the invocation context,
 * and the response stream the Node.js runtime hands to a streaming handler.
 * @module
 */

import type { GatewayOptions } from '../../core/types.ts';

/** The invocation context (the fields this target reads; the runtime gives more). */
export interface LambdaContext {
  awsRequestId: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
  getRemainingTimeInMillis?(): number;
  [key: string]: unknown;
}

type StringMap = Record<string, string | undefined> | null | undefined;
type MultiMap = Record<string, string[] | undefined> | null | undefined;

/** Function URL and API Gateway HTTP API, payload format 2.0. */
export interface EventV2 {
  version: '2.0';
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: StringMap;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: {
    domainName?: string;
    stage?: string;
    http: { method: string; sourceIp?: string; path?: string; protocol?: string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** API Gateway REST (payload 1.0) and API Gateway HTTP API payload format 1.0. */
export interface EventV1 {
  version?: '1.0';
  httpMethod: string;
  path: string;
  headers?: StringMap;
  multiValueHeaders?: MultiMap;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: MultiMap;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: {
    domainName?: string;
    stage?: string;
    path?: string;
    /** The request's HTTP version, `HTTP/1.1`. */
    protocol?: string;
    identity?: { sourceIp?: string | null; [key: string]: unknown };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An ALB target-group event; the multi-value fields appear only when the target group enables them. */
export interface AlbEvent {
  httpMethod: string;
  path: string;
  headers?: StringMap;
  multiValueHeaders?: MultiMap;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: MultiMap;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { elb: { targetGroupArn?: string } };
  [key: string]: unknown;
}

export type LambdaHttpEvent = EventV2 | EventV1 | AlbEvent;

/**
 * Which front end sent the event; it decides the result shape. `function-url` and `http-api` share
 * payload 2.0; `rest` covers REST and HTTP API payload 1.0; `alb` / `alb-multi` are the two ALB modes.
 */
export type EventSource = 'function-url' | 'http-api' | 'rest' | 'alb' | 'alb-multi';

/** Payload 2.0 result: `Set-Cookie` only through `cookies`. */
export interface ResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** REST / payload 1.0 result. */
export interface ResultV1 {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/** ALB result: `headers` in single-value mode, `multiValueHeaders` in multi-value mode, never both. */
export interface AlbResult {
  statusCode: number;
  statusDescription: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export type LambdaResult = ResultV2 | ResultV1 | AlbResult;

/** What the function URL front end reads from the streaming prelude (`HttpResponseStream.from`). */
export interface StreamPrelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/**
 * The writable the runtime passes to a streaming handler (a Node `Writable`-like object). Only what
 * this target uses is declared.
 */
export interface ResponseStream {
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly writableFinished?: boolean;
  readonly destroyed?: boolean;
}

/** The `awslambda` global the Node.js runtime installs before loading the handler module. */
export interface AwsLambdaGlobal {
  streamifyResponse<T extends (...args: never[]) => unknown>(handler: T, options?: { highWaterMark?: number }): T;
  HttpResponseStream: { from(stream: ResponseStream, prelude: StreamPrelude): ResponseStream };
}

/**
 * Where `wsgi.errors` and the gateway's own diagnostics go: a `@aws-lambda-powertools/logger`
 * `Logger`, or anything with the same methods.
 */
export interface LambdaLogger {
  error(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  /** Called with each invocation's context, so every line carries the request id (powertools `addContext`). */
  addContext?(context: LambdaContext): void;
}

/**
 * Decides how a result body is encoded: `true` sends base64, `false` sends text (bytes that are not
 * valid UTF-8 still go as base64, since a JSON string cannot carry them), `undefined` applies the
 * default rule (text only for a textual type, no Content-Encoding and valid UTF-8).
 */
export type IsBinary = (headers: Headers, status: number) => boolean | undefined;

export interface LambdaOptions extends Pick<GatewayOptions, 'scriptName' | 'environ' | 'maxBodyBytes'> {
  /** Receives `wsgi.errors` lines; default: a powertools `Logger` (service: the function name). */
  logger?: LambdaLogger;
  /** Overrides the text/base64 decision of buffered results. */
  isBinary?: IsBinary;
}

/** A buffered handler: `(event, context) => result`. */
export type LambdaHandler = (event: LambdaHttpEvent, context: LambdaContext) => Promise<LambdaResult>;

/** A streaming handler, already tagged by `awslambda.streamifyResponse`. */
export type LambdaStreamHandler = (
  event: LambdaHttpEvent,
  responseStream: ResponseStream,
  context: LambdaContext,
) => Promise<void>;
