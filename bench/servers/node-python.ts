/**
 * wsgi-edge on Node for a Python app: `loadPythonApp()` (Pyodide) on the simple server, access log off.
 * Env: BENCH_PORT, BENCH_PY_APP ('module:callable'), BENCH_PY_PATH (folders for sys.path, joined with ':').
 * @module
 */

import { loadPythonApp } from '../../src/python/index.ts';
import { makeServer } from '../../src/wsgiref/simple-server.ts';
import { pythonAppOptions } from './python-options.ts';

const app = await loadPythonApp(pythonAppOptions(process.env));
const server = await makeServer('127.0.0.1', Number(process.env.BENCH_PORT ?? 0), app, { accessLog: false });
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
await server.serveForever();
