/** The load run's Python app (load/python.ts) on the Node simple server; prints `Listening on http://127.0.0.1:PORT/` once ready. */
import { makeServer } from '../src/wsgiref/simple-server.ts';
import { loadPythonLoadApp } from './python.ts';

const server = await makeServer('127.0.0.1', 0, await loadPythonLoadApp(), { accessLog: false, errors: () => undefined });
console.log(`Listening on http://127.0.0.1:${server.port}/`);
process.once('SIGTERM', () => { void server.close(); });
await server.serveForever();
