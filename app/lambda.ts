/**
 * The seed app on AWS Lambda. `handler` answers function URLs (invoke mode BUFFERED), API Gateway
 * and ALB; `streamingHandler` answers a function URL in invoke mode RESPONSE_STREAM. Bundled into
 * one deployable file by `npm run build:lambda` (dist/lambda/index.mjs).
 * @module
 */

import { handle, streamHandle } from '../src/targets/lambda/index.ts';
import { base64App } from './base64-app.ts';

export const handler = handle(base64App);
export const streamingHandler = streamHandle(base64App);
