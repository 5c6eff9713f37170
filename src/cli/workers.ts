/**
 * `--workers N`: the primary process of Node's cluster, as gunicorn's arbiter. It forks N workers (each
 * loads the app, and its own Python interpreter, and listens on the shared port), replaces a worker that
 * exits, and stops them all on SIGINT/SIGTERM. A worker that exits before it ever listened could not load
 * the app: the primary stops rather than fork it again (gunicorn's "Worker failed to boot"), and more
 * than `maxRestarts` replacements within a minute is a crash loop, which stops it too.
 * @module
 */

import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { WORKER_PORT_ENV, urlOf } from './serve.ts';

export interface PrimaryOptions {
  workers: number;
  host: string;
  /** 0: a free port, picked once by the primary. */
  port: number;
  label: string;
  /** Replacements allowed within `RESTART_WINDOW_MS` before the primary gives up. */
  maxRestarts: number;
}

const RESTART_WINDOW_MS = 60_000;

/**
 * Runs the primary until it stops; resolves to the exit status. Every worker gets the same port number:
 * the cluster shares one listening socket per (host, port) its workers name, so a replacement asking
 * for port 0 again would ask for a second socket on a new port, and one naming the port the first
 * workers got through 0 would collide with theirs.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  const restarts: number[] = [];
  let announced = false;
  let stopping: number | undefined;
  let finish: (status: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => { finish = resolve; });

  const fork = () => {
    live.add(cluster.fork({ [WORKER_PORT_ENV]: String(port) }));
  };
  const stop = (status: number, why?: string) => {
    if (stopping !== undefined) return;
    stopping = status;
    if (why) console.error(`wsgi-edge: ${why}`);
    if (live.size === 0) finish(status);
    for (const worker of live) worker.process.kill('SIGTERM');
  };

  cluster.on('listening', (worker) => {
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
      stop(1, `worker ${worker.process.pid} exited ${how} before it was serving (it could not load the app or listen: see its error above); stopping`);
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

/** A port free on `host` now (the kernel's pick for port 0, released at once). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
