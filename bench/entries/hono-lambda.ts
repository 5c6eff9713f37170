/** Hono's equivalent of app/lambda.ts: buffered and streaming handlers for the seed's app. @module */
import { handle, streamHandle } from 'hono/aws-lambda';
import { seedHono } from '../apps/hono-seed.ts';

const app = seedHono();
export const handler = handle(app);
export const streamingHandler: ReturnType<typeof streamHandle> = streamHandle(app);
