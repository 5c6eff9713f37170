/**
 * wsgi-edge on Node: the bench app on the simple server (`makeServer`), access log off.
 * Env: BENCH_PORT, BENCH_FILE (the file `/stream/file` sends through `wsgi.file_wrapper`).
 * @module
 */

import { openAsBlob } from 'node:fs';
import { makeServer } from '../../src/wsgiref/simple-server.ts';
import { benchWsgiApp } from '../apps/wsgi.ts';

const file = process.env.BENCH_FILE;
// A file-backed Blob: what a Node app hands FileWrapper for a file (the gateway can pass it on as is).
const app = benchWsgiApp(file ? { openFile: () => openAsBlob(file) } : {});
const server = await makeServer('127.0.0.1', Number(process.env.BENCH_PORT ?? 0), app, { accessLog: false });
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
await server.serveForever();
