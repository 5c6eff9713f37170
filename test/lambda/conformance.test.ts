/**
 * The conformance suite (test/conformance) against the Lambda target, streaming mode: each Request
 * becomes a function URL event, runs through aws-lambda-ric, and the streamed prelude and body become
 * the Response. The suite's control endpoints go to the fixture's in-process side server
 * (test/lambda/fixtures/conformance.ts explains why).
 */
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { buildTaskRoot, type TaskRoot } from './build.ts';
import { requestToEvent, streamToResponse } from './function-url.ts';
import { closeAll, startFunction, type LambdaFunction } from './runtime-api.ts';

const CONTROL = new Set(['/close-count', '/stream-state', '/release']);
const SOURCE_IP = '198.51.100.7';

let root: TaskRoot;
let fn: LambdaFunction;

beforeAll(async () => {
  root = await buildTaskRoot();
  await build({
    entryPoints: [path.resolve('test/lambda/fixtures/conformance.ts')],
    outfile: path.join(root.dir, 'conformance.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  fn = await startFunction({ taskRoot: root.dir, handler: 'conformance.streamingHandler' });
  for (let i = 0; i < 200 && !fn.progress.get('control'); i++) await new Promise((r) => setTimeout(r, 10));
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

async function viaFunctionUrl(request: Request): Promise<Response> {
  const url = new URL(request.url);
  // Read each time: a runtime restarted after a deadline reports its new control port.
  if (CONTROL.has(url.pathname)) return fetch(`http://127.0.0.1:${fn.progress.get('control')}${url.pathname}${url.search}`);
  const live = fn.invokeStream(await requestToEvent(request, { sourceIp: SOURCE_IP }), { timeoutMs: 20_000 });
  return streamToResponse(live);
}

describe('Lambda function URL, RESPONSE_STREAM (streamHandle)', () => {
  conformanceSuite({
    name: 'lambda-stream',
    // Function URLs are HTTPS; the suite expects SERVER_PORT 80 for a URL without a port, so the
    // event says http (x-forwarded-proto) and the environ follows it.
    baseUrl: () => 'http://fn-id.lambda-url.us-east-1.on.aws/',
    fetch: viaFunctionUrl,
    remoteAddr: SOURCE_IP,
    environ: {
      'aws_lambda.event.version': { type: 'string', value: '2.0' },
      'aws_lambda.context.functionName': { type: 'string', value: 'wsgi-edge-test' },
      'aws_lambda.context.getRemainingTimeInMillis': { type: 'function' },
    },
  });
});
