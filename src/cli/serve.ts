/**
 * One serving process: the CLI on its own, or one of the workers `--workers` forks. When the Python
 * interpreter dies (a fatal Pyodide error, `sys.exit()` in a handler), the request that found out is
 * answered 500, the server stops taking requests, lets those under way finish, and the process exits
 * non-zero, so that no later request meets that interpreter: a worker is then replaced by the primary,
 * a single process by whatever supervises it.
 * @module
 */

import cluster from 'node:cluster';
import type { InterpreterDeadError } from '../python/index.ts';
import { demoApp } from '../wsgiref/demo-app.ts';
import { makeServer, type WsgiServer } from '../wsgiref/simple-server.ts';
import { loadTarget, type LoadedTarget, type Target } from './target.ts';

export interface ServeOptions {
  host: string;
  port: number;
  /** How many processes serve the app (`wsgi.multiprocess` when more than one). */
  workers: number;
}

/** Exit status of a process whose interpreter died. */
export const INTERPRETER_DIED = 3;
/** Set by the primary for its workers: the port, once `--port 0` has become a number. */
export const WORKER_PORT_ENV = 'WSGI_EDGE_WORKER_PORT';
/** How long requests under way may take to finish once the interpreter died. */
const SHUTDOWN_GRACE_MS = 10_000;

export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/** Serves `target` (the demo app when there is none) until a signal or a dead interpreter stops it. */
export async function serveProcess(target: Target | undefined, options: ServeOptions): Promise<void> {
  let server: WsgiServer | undefined;
  const onFatal = (error: InterpreterDeadError): void => {
    const next = cluster.isWorker ? `worker ${process.pid} exits and is replaced` : 'exiting, so that no later request meets it';
    console.error(`wsgi-edge: ${error.message}; ${next}`);
    process.exitCode = INTERPRETER_DIED;
    setTimeout(() => process.exit(INTERPRETER_DIED), SHUTDOWN_GRACE_MS).unref();
    void server?.shutdown().then(() => process.exit(INTERPRETER_DIED));
  };
  const { app, label }: LoadedTarget = target === undefined
    ? { app: demoApp, label: 'demoApp' }
    : await loadTarget(target, { multiprocess: options.workers > 1, onFatal });
  const assignedPort = cluster.isWorker ? process.env[WORKER_PORT_ENV] : undefined;
  const listening = await makeServer(options.host, assignedPort ? Number(assignedPort) : options.port, app);
  server = listening;
  if (cluster.isPrimary) console.log(`Serving ${label} on ${urlOf(options.host, listening.port)}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void listening.close();
    });
  }
  await listening.serveForever();
  // A worker's channel to the primary would keep it alive.
  if (cluster.isWorker) process.exit();
}
