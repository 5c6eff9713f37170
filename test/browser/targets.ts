/**
 * Every server the browser suite runs the seed's app on, each started the way its README line starts it
 * and listening on 127.0.0.1. A target is one entry: the seed's Python app on wsgi-edge's Python target
 * joins `SEED_TARGETS` as one more line once that target exists.
 */
import { spawn } from 'node:child_process';
import { buildWorker, startWorker } from '../cloudflare/workerd.ts';
import { denoServe, stopChild, waitForOutput } from '../deno/deno.ts';

export interface RunningSeed {
  /** Scheme, host and port, no trailing slash. */
  readonly origin: string;
  stop(): Promise<void>;
}

export interface SeedTarget {
  readonly name: string;
  start(): Promise<RunningSeed>;
}

/** Runs `command` and reads the port from the first line of output matching `listening` (its group 1). */
async function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, listening: RegExp): Promise<RunningSeed> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  try {
    const match = await waitForOutput(child, () => output, listening, `${command} ${args.join(' ')}`);
    return { origin: `http://127.0.0.1:${match[1]!}`, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

export const SEED_TARGETS: readonly SeedTarget[] = [
  {
    // `npm start` is this command after `npm run build` (the test setup has built dist/).
    name: 'Node simple server (npm start)',
    start: () => startProcess(process.execPath, ['dist/app/serve.js'], { ...process.env, HOST: '127.0.0.1', PORT: '0' }, /Listening on 127\.0\.0\.1:(\d+)/),
  },
  {
    name: 'deno serve (npm run start:deno)',
    start: async () => {
      const server = await denoServe('app/deno.ts');
      return { origin: server.url, stop: server.stop };
    },
  },
  {
    // The bundle `wrangler deploy` would upload, in workerd.
    name: 'workerd (wrangler.toml)',
    start: async () => {
      const worker = await startWorker(await buildWorker('wrangler.toml'));
      return { origin: worker.url.origin, stop: () => worker.miniflare.dispose() };
    },
  },
  {
    // The reference: app/wsgi_app.py under CPython's own wsgiref, as `python3 app/wsgi_app.py` serves it.
    name: 'CPython wsgiref (app/wsgi_app.py)',
    start: () => startProcess('python3', ['-u', '-c', [
      'import sys; sys.path.insert(0, "app")',
      'from wsgi_app import simple_app',
      'from wsgiref.simple_server import make_server',
      'server = make_server("127.0.0.1", 0, simple_app)',
      'print("Listening on 127.0.0.1:%d" % server.server_port)',
      'server.serve_forever()',
    ].join('\n')], process.env, /Listening on 127\.0\.0\.1:(\d+)/),
  },
];
