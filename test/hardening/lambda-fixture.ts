/**
 * The generated-app fixture (script-fixture.ts) behind both Lambda handlers, bundled and run under
 * aws-lambda-ric by fuzz-app-lambda.test.ts. `wsgi.errors` goes, as on Lambda, to a powertools `Logger`
 * (one JSON line per message on the runtime's output, with the invocation's request id); the logger
 * given to the target also files each message in the run's record. `/state` is answered by a loopback
 * side server in this process (as in test/lambda/fixtures/conformance.ts), whose port is reported to
 * the test's Runtime API server, so reading a record takes no invocation.
 * @module
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { entryPoints, serveControl } from '../lambda/fixtures/entry.ts';
import { handle, streamHandle, type LambdaLogger } from '../../src/targets/lambda/index.ts';
import { recordError, scriptFixture } from './script-fixture.ts';

serveControl(scriptFixture);

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

export const { handler, streamingHandler } = entryPoints(buffered, streaming);
