/**
 * The conformance suite against the Python twin of its fixtures (test/conformance/conformance_app.py) on
 * Lambda, in both invoke modes, as conformance.test.ts runs it against the JavaScript fixtures: the zip of
 * `wsgi-edge build lambda` unzipped into a task root, each Request a function URL event through aws-lambda-ric;
 * under each supported Pyodide (the zip built by the wsgi-edge installed beside that version).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { conformanceSuite, type ConformanceTarget } from '../conformance/cases.ts';
import { PYTHON_PLATFORM, pythonBridgeChecks } from '../python/python-conformance.ts';
import { buildLambdaArtifact, type LambdaArtifact } from '../build/artifacts.ts';
import { bundleFixture, startWithControl } from './build.ts';
import { functionUrlWire, LAMBDA_ENVIRON, requestToEvent, resultToResponse, streamToResponse } from './function-url.ts';
import { closeAll, type LambdaFunction } from './runtime-api.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';

const CONTROL = new Set(['/close-count', '/stream-state', '/release', '/live-bodies', '/validator-slips']);
const SOURCE_IP = '198.51.100.7';
const BASE_URL = new URL('http://fn-id.lambda-url.us-east-1.on.aws/');

afterAll(closeAll);

/** Control endpoints go to the runtime process's side server; everything else is an invocation. */
function viaFunctionUrl(fn: () => LambdaFunction, mode: 'buffered' | 'streaming') {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    // Read each time: a runtime restarted after a deadline reports its new control port.
    if (CONTROL.has(url.pathname)) return fetch(`http://127.0.0.1:${fn().progress.get('control')}${url.pathname}${url.search}`);
    const event = await requestToEvent(request, { sourceIp: SOURCE_IP });
    if (mode === 'streaming') return streamToResponse(fn().invokeStream(event, { timeoutMs: 20_000, clientPaced: true }));
    return resultToResponse(await fn().invoke(event, { timeoutMs: 20_000 }));
  };
}

describe.each(PYODIDE_VERSIONS)('Pyodide $name', (version) => {
  let root: LambdaArtifact;
  let streamingFn: LambdaFunction;
  let bufferedFn: LambdaFunction;

  beforeAll(async () => {
    root = await buildLambdaArtifact('conformance_app', ['--pythonpath', 'test/conformance'], { cli: version.cli });
    await bundleFixture(root, 'test/lambda/fixtures/conformance-python.ts', 'conformance-python');
    [streamingFn, bufferedFn] = await Promise.all([
      startWithControl(root, 'conformance-python.streamingHandler'),
      startWithControl(root, 'conformance-python.handler'),
    ]);
  }, 240_000);
  afterAll(() => root?.remove());

  describe('Python app, Lambda function URL, RESPONSE_STREAM (streamHandle)', () => {
    const target: ConformanceTarget = {
      name: `python lambda-stream, Pyodide ${version.name}`,
      // As conformance.test.ts: the event says http, so SERVER_PORT is 80 for a URL without a port.
      baseUrl: () => 'http://fn-id.lambda-url.us-east-1.on.aws/',
      fetch: viaFunctionUrl(() => streamingFn, 'streaming'),
      wire: functionUrlWire(() => streamingFn, 'streaming', BASE_URL, SOURCE_IP),
      remoteAddr: SOURCE_IP,
      environ: LAMBDA_ENVIRON,
      platform: { ...PYTHON_PLATFORM, disconnect: 'completes' },
    };
    conformanceSuite(target);
    pythonBridgeChecks(target);
  });

  describe('Python app, Lambda function URL, BUFFERED (handle)', () => {
    const target: ConformanceTarget = {
      name: `python lambda-buffered, Pyodide ${version.name}`,
      baseUrl: () => 'http://fn-id.lambda-url.us-east-1.on.aws/',
      fetch: viaFunctionUrl(() => bufferedFn, 'buffered'),
      wire: functionUrlWire(() => bufferedFn, 'buffered', BASE_URL, SOURCE_IP),
      remoteAddr: SOURCE_IP,
      environ: LAMBDA_ENVIRON,
      platform: {
        ...PYTHON_PLATFORM,
        delivery: 'buffered-pulled',
        failedBody: 'replaced',
        disconnect: 'completes',
        maxResponseBytes: 4 * 1024 * 1024,
      },
    };
    conformanceSuite(target);
    pythonBridgeChecks(target);
  });
});
