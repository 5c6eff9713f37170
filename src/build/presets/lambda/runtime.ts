/**
 * The runtime entry of `wsgi-edge build lambda` (bundled into the package as dist/runtime/lambda.mjs, the
 * zip's index.mjs): `index.handler` for function URLs in BUFFERED mode, API Gateway and ALB,
 * `index.streamingHandler` for a function URL in RESPONSE_STREAM mode.
 *
 * The app loads at module top level, in Lambda's init phase, so the first invocation costs what a warm
 * one does. A dead interpreter fails its invocation, and Lambda starts a fresh process for the next one.
 * @module
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { failInvocation, handle, streamHandle } from '../../../targets/lambda/index.ts';
import { loadArtifactApp } from '../../runtime.ts';

const app = await loadArtifactApp(path.dirname(fileURLToPath(import.meta.url)), failInvocation);

export const handler = handle(app);
export const streamingHandler = streamHandle(app);
