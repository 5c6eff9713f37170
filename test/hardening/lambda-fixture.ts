/**
 * The generated-app fixture (script-fixture.ts) behind both Lambda handlers, bundled and run under
 * aws-lambda-ric by fuzz-app-lambda.test.ts. `wsgi.errors` goes, as on Lambda, to a powertools `Logger`
 * (one JSON line per message on the runtime's output, with the invocation's request id); the logger
 * given to the target also files each message in the run's record. `/state` is answered by a loopback
 * side server in this process (as in test/lambda/fixtures/conformance.ts), whose port is reported to
 * the test's Runtime API server, so reading a record takes no invocation.
 * @module
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { handle as handleRequest } from '../../src/index.ts';
import { handle, streamHandle, type LambdaContext, type LambdaHttpEvent, type LambdaLogger, type ResponseStream } from '../../src/targets/lambda/index.ts';
import { recordError, scriptFixture } from './script-fixture.ts';

const control = createServer((req, res) => {
  void handleRequest(scriptFixture, new Request(`http://127.0.0.1${req.url ?? '/'}`)).then(async (response) => {
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
});
control.listen(0, '127.0.0.1', () => {
  // Never keeps the runtime's event loop alive by itself.
  control.unref();
  const { port } = control.address() as AddressInfo;
  void fetch(`http://${process.env.AWS_LAMBDA_RUNTIME_API}/progress/control/${port}`).then((r) => r.text());
});

const powertools = new Logger({ serviceName: 'wsgi-edge-fuzz-app' });
/** The default logger's behaviour (powertools), each message also filed in the run's record. */
const logger: LambdaLogger = {
  error(message, ...extra) {
    recordError(message);
    powertools.error(message, ...(extra as []));
  },
  warn(message, ...extra) {
    powertools.warn(message, ...(extra as []));
  },
  addContext(context) {
    powertools.addContext(context as Parameters<Logger['addContext']>[0]);
  },
};

const buffered = handle(scriptFixture, { logger });
const streaming = streamHandle(scriptFixture, { logger });

/** The test's keep-alive connections to the control server must not hold back the next invocation. */
function noWait(context: LambdaContext): void {
  context.callbackWaitsForEmptyEventLoop = false;
}

export const handler = (event: LambdaHttpEvent, context: LambdaContext) => {
  noWait(context);
  return buffered(event, context);
};

export const streamingHandler = (globalThis as unknown as { awslambda: { streamifyResponse<T>(fn: T): T } }).awslambda.streamifyResponse(
  (event: LambdaHttpEvent, stream: ResponseStream, context: LambdaContext) => {
    noWait(context);
    return streaming(event, stream, context);
  },
);
