/**
 * A Python WSGI app on AWS Lambda, run by Pyodide: `handler` for function URLs in invoke mode BUFFERED,
 * API Gateway and ALB, `streamingHandler` for a function URL in RESPONSE_STREAM. Built into one
 * deployable zip by `npm run build:lambda:python` (scripts/build-lambda-python.mjs), which names the
 * app and its folders (WSGI_EDGE_PYTHON, set by esbuild) and puts next to index.mjs what cannot be
 * bundled: node_modules/pyodide (found by `import('pyodide')`), the bridge's Python half (found
 * beside the bundle through import.meta.url) and the app's folders.
 *
 * Pyodide starts at module top level, during Lambda's init phase, not on the first request: the
 * first invocation then costs what a warm one does, and an init that overruns Lambda's init limit is
 * retried by Lambda within the first invocation anyway.
 * @module
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPythonApp } from '../src/python/index.ts';
import { failInvocation, handle, streamHandle } from '../src/targets/lambda/index.ts';

/** The app (`module:callable`) and its folders, relative to the task root, in sys.path order. */
declare const WSGI_EDGE_PYTHON: { app: string; path: readonly string[] };

const taskRoot = path.dirname(fileURLToPath(import.meta.url));
const started = performance.now();
const app = await loadPythonApp({
  app: WSGI_EDGE_PYTHON.app,
  path: WSGI_EDGE_PYTHON.path.map((folder) => path.join(taskRoot, folder)),
  // A dead interpreter would answer 500 until Lambda recycles the sandbox: fail over to a fresh process.
  onFatal: failInvocation,
});
console.log(`wsgi-edge: Python app ${WSGI_EDGE_PYTHON.app} loaded in ${Math.round(performance.now() - started)} ms`);

export const handler = handle(app);
export const streamingHandler = streamHandle(app);
