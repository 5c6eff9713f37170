/**
 * The Python fault fixture (test/faults/python/faults.py) under `deno serve`, through `wsgi-edge/deno` and
 * `wsgi-edge/python` as published, with `exitOnFatal()` as a user's entry has it (app/deno-python.ts).
 * `FAULT_APP` and `FAULT_PATH` pick another app, for the load errors; `FAULT_SNAPSHOT` a memory snapshot to start from.
 * A request with `wrap=collect` in its query goes through a handler wrapped around the target's, which
 * reads the whole body before it answers, as a caching middleware might: the target's `Response` then
 * reaches Deno's server only through JavaScript that holds its chunks.
 * @module
 */

import process from 'node:process';
import { exitOnFatal, handle, type ServeHandlerInfo } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

const app = await loadPythonApp({
  app: process.env.FAULT_APP ?? 'faults:application',
  path: [process.env.FAULT_PATH ?? 'test/faults/python'],
  ...(process.env.FAULT_SNAPSHOT ? { snapshot: process.env.FAULT_SNAPSHOT } : {}),
  onFatal: exitOnFatal(),
});

const served = handle(app);

async function collected(request: Request, info: ServeHandlerInfo): Promise<Response> {
  const response = await served.fetch(request, info);
  const body = await response.arrayBuffer();
  return new Response(body, { status: response.status, headers: response.headers });
}

export default {
  fetch: (request: Request, info: ServeHandlerInfo) => request.url.includes('wrap=collect') ? collected(request, info) : served.fetch(request, info),
};
