/**
 * The conformance suite (test/conformance) against the Lambda target in both invoke modes: each Request
 * becomes a function URL event, runs through aws-lambda-ric, and the buffered result, or the streamed
 * prelude and body, become the Response. The suite's control endpoints go to the fixture's in-process side server
 * (test/lambda/fixtures/conformance.ts explains why).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { buildConformanceFixture, buildTaskRoot, startWithControl, type TaskRoot } from './build.ts';
import { functionUrlWire, LAMBDA_ENVIRON, requestToEvent, resultToResponse, streamToResponse } from './function-url.ts';
import { closeAll, type LambdaFunction } from './runtime-api.ts';

const CONTROL = new Set(['/close-count', '/stream-state', '/release']);
const SOURCE_IP = '198.51.100.7';

let root: TaskRoot;
let fn: LambdaFunction;
let bufferedFn: LambdaFunction;


beforeAll(async () => {
  root = await buildTaskRoot();
  await buildConformanceFixture(root);
  fn = await startWithControl(root, 'conformance.streamingHandler');
  bufferedFn = await startWithControl(root, 'conformance.handler');
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

async function viaFunctionUrl(request: Request): Promise<Response> {
  const url = new URL(request.url);
  // Read each time: a runtime restarted after a deadline reports its new control port.
  if (CONTROL.has(url.pathname)) return fetch(`http://127.0.0.1:${fn.progress.get('control')}${url.pathname}${url.search}`);
  const live = fn.invokeStream(await requestToEvent(request, { sourceIp: SOURCE_IP }), { timeoutMs: 20_000, clientPaced: true });
  return streamToResponse(live);
}

async function viaBufferedFunctionUrl(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (CONTROL.has(url.pathname)) return fetch(`http://127.0.0.1:${bufferedFn.progress.get('control')}${url.pathname}${url.search}`);
  const outcome = await bufferedFn.invoke(await requestToEvent(request, { sourceIp: SOURCE_IP }), { timeoutMs: 20_000 });
  return resultToResponse(outcome);
}

const BASE_URL = new URL('http://fn-id.lambda-url.us-east-1.on.aws/');

describe('Lambda function URL, RESPONSE_STREAM (streamHandle)', () => {
  conformanceSuite({
    name: 'lambda-stream',
    // Function URLs are HTTPS; the suite expects SERVER_PORT 80 for a URL without a port, so the
    // event says http (x-forwarded-proto) and the environ follows it.
    baseUrl: () => 'http://fn-id.lambda-url.us-east-1.on.aws/',
    fetch: viaFunctionUrl,
    remoteAddr: SOURCE_IP,
    environ: LAMBDA_ENVIRON,
    wire: functionUrlWire(() => fn, 'streaming', BASE_URL, SOURCE_IP),
    // Lambda does not stop a function when its client leaves: the app runs on to its end.
    platform: { disconnect: 'completes' },
  });
});

describe('Lambda function URL, BUFFERED (handle)', () => {
  conformanceSuite({
    name: 'lambda-buffered',
    baseUrl: () => 'http://fn-id.lambda-url.us-east-1.on.aws/',
    fetch: viaBufferedFunctionUrl,
    remoteAddr: SOURCE_IP,
    environ: LAMBDA_ENVIRON,
    wire: functionUrlWire(() => bufferedFn, 'buffered', BASE_URL, SOURCE_IP),
    platform: {
      delivery: 'buffered',
      // Nothing has left the function when the app fails after its headers: the client gets a 500.
      failedBody: 'replaced',
      disconnect: 'completes',
      // 6 MB of JSON, and a binary body travels as base64.
      maxResponseBytes: 4 * 1024 * 1024,
    },
  });
});
