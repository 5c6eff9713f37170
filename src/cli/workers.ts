/**
 * `--workers N`: the primary process of Node's cluster, as gunicorn's arbiter. It forks N workers (each
 * loads the app, and its own Python interpreter, and listens on the shared port), replaces a worker that
 * exits, and stops them all on SIGINT/SIGTERM. A worker that exits before it ever listened could not load
 * the app: the primary stops rather than fork it again (gunicorn's "Worker failed to boot"), and more
 * than `maxRestarts` replacements within a minute is a crash loop, which stops it too.
 * @module
 */

import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { WORKER_PORT_ENV, urlOf } from './serve.ts';

export interface PrimaryOptions {
  workers: number;
  host: string;
  label: string;
  /** Replacements allowed within `RESTART_WINDOW_MS` before the primary gives up. */
  maxRestarts: number;
}

const RESTART_WINDOW_MS = 60_000;

/** Runs the primary until it stops; resolves to the exit status. */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  const restarts: number[] = [];
  let port: number | undefined;
  let announced = false;
  let stopping: number | undefined;
  let finish: (status: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => { finish = resolve; });

  const fork = () => {
    live.add(cluster.fork(port === undefined ? {} : { [WORKER_PORT_ENV]: String(port) }));
  };
  const stop = (status: number, why?: string) => {
    if (stopping !== undefined) return;
    stopping = status;
    if (why) console.error(`wsgi-edge: ${why}`);
    if (live.size === 0) finish(status);
    for (const worker of live) worker.process.kill('SIGTERM');
  };

  cluster.on('listening', (worker, address: AddressInfo) => {
    port ??= address.port;
    listening.add(worker);
    console.error(`wsgi-edge: worker ${worker.process.pid} is serving`);
    if (!announced && listening.size === options.workers) {
      announced = true;
      console.log(`Serving ${options.label} on ${urlOf(options.host, port)} with ${options.workers} workers`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    const booted = listening.delete(worker);
    if (stopping !== undefined) {
      if (live.size === 0) finish(stopping);
      return;
    }
    const how = signal ? `on ${signal}` : `with status ${code}`;
    if (!booted) {
      stop(1, `worker ${worker.process.pid} exited ${how} before it was serving (the app failed to load); stopping`);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! <= now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > options.maxRestarts) {
      stop(1, `worker ${worker.process.pid} exited ${how}: ${restarts.length} workers exited within a minute, more than ` +
        `--max-restarts ${options.maxRestarts}; stopping, since the app fails faster than workers can replace it`);
      return;
    }
    console.error(`wsgi-edge: worker ${worker.process.pid} exited ${how}; starting a replacement`);
    fork();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop(0));

  for (let i = 0; i < options.workers; i++) fork();
  return finished;
}
