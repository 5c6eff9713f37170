/**
 * `npm run load` (needs wrk and taskset: the npm script checks with scripts/need.mjs first): a bounded
 * load run on each local runtime (the Node simple server, `deno serve`, workerd through miniflare), and
 * the seed's Python app (app/wsgi_app.py in Pyodide, load/python_app.py) on the Node simple server and
 * `deno serve`; loopback only. For each: boot the app (load/app.ts, or load/python.ts), warm up, read the
 * server's RSS and the app's counts, then drive it with wrk (the seed's app at `/encode`, and a short
 * streaming body) and with Node clients that ask for a long stream and go away after its first chunk.
 * Once the server is quiet, read the counts and RSS again. Writes load/results.md and prints the same table.
 *
 * Bounded: each wrk run has a fixed duration, the disconnecting clients a fixed count, every wait a cap.
 * Errors must be zero and `close()` must match the requests the app took, on every runtime. workerd's
 * RSS grows under load with or without wsgi-edge: it is judged against a plain-Worker control instead.
 * @module
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { buildWorker, startWorker } from '../test/cloudflare/workerd.ts';
import { DENO, quietDenoEnv, stopChild, waitForOutput } from '../test/deno/deno.ts';
import { abandonedGrowth, wrkGrowth, type ControlResult } from './workerd-control.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const QUICK = process.argv.includes('--quick');
const WRK_SECONDS = QUICK ? 2 : 12;
const CONNECTIONS = 32;
const DISCONNECTS = QUICK ? 200 : 2000;
const DISCONNECT_CONCURRENCY = 24;
/** Server on CPU 0, clients on CPU 1 (2-core machine). */
const SERVER_CPU = '0';
const CLIENT_CPU = '1';

/** What `deno serve` of the Python app reads: Pyodide, the bridge's Python half, and the mounted folders. */
const PYTHON_READS = ['node_modules/pyodide', 'src/python', 'load', 'app'].join(',');

interface Counts { seedRequests: number; seedCloses: number; streamRequests: number; streamCloses: number }
interface Running { url: string; pid: number; stop(): Promise<void> }
interface WrkResult { requests: number; socketErrors: number; non2xx: number; rps: number }

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

async function stats(url: string): Promise<Counts> {
  const response = await fetch(new URL('/_load/stats', url));
  if (response.status !== 200) throw new Error(`stats answered ${response.status}`);
  return await response.json() as Counts;
}

/** Waits (at most 15 s) until the counts stop changing for half a second. */
async function settle(url: string): Promise<Counts> {
  let last = await stats(url);
  for (let i = 0, still = 0; i < 60 && still < 2; i++) {
    await sleep(250);
    const next = await stats(url);
    still = JSON.stringify(next) === JSON.stringify(last) ? still + 1 : 0;
    last = next;
  }
  return last;
}

async function wrk(url: string, seconds: number): Promise<WrkResult> {
  const { stdout } = await run('taskset', ['-c', CLIENT_CPU, 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', url]);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  if (!Number.isFinite(requests)) throw new Error(`could not read wrk's output:\n${stdout}`);
  return { requests, socketErrors, non2xx, rps };
}

/** `count` clients (`concurrency` at a time) that read the first chunk of a long stream and go away. */
async function disconnecters(url: string, count: number, concurrency: number): Promise<{ done: number; errors: string[] }> {
  let next = 0;
  let done = 0;
  const errors: string[] = [];
  const one = async () => {
    const controller = new AbortController();
    const response = await fetch(new URL('/_stream?chunks=4096&delay=1', url), {
      signal: controller.signal,
      headers: { 'Accept-Encoding': 'identity' },
    });
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    if (first.done) throw new Error('stream ended before its first chunk');
    controller.abort();
    await reader.cancel().catch(() => undefined);
  };
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      try {
        await one();
        done++;
      } catch (error) {
        if (errors.length < 5) errors.push(String(error));
        else errors.push('');
      }
    }
  }));
  return { done, errors };
}

function childPids(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

async function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const child: ChildProcess = spawn('taskset', ['-c', SERVER_CPU, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  try {
    const match = await waitForOutput(child, () => output, /Listening on (http:\/\/127\.0\.0\.1:\d+)\//, command);
    // taskset execs the command, so the child's pid is the server's.
    return { url: match[1]!, pid: child.pid!, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

const runtimes: Record<string, () => Promise<Running>> = {
  'Node simple server': () => spawnServer(process.execPath, ['--import', 'tsx', 'load/node-server.ts'], process.env),
  'deno serve': () => spawnServer(DENO, ['serve', '--host', '127.0.0.1', '--port', '0', 'load/deno.ts'], quietDenoEnv()),
  'Node simple server, Python app': () => spawnServer(process.execPath, ['--import', 'tsx', 'load/node-python-server.ts'], process.env),
  // Pyodide reads its own files, and mounts the app's folders: read access to those only.
  'deno serve, Python app': () => spawnServer(DENO, ['serve', `--allow-read=${PYTHON_READS}`, '--host', '127.0.0.1', '--port', '0', 'load/deno-python.ts'], quietDenoEnv()),
  'workerd (miniflare)': async () => {
    const before = new Set(childPids(process.pid));
    const worker = await startWorker(await buildWorker('load/wrangler.toml'));
    const pid = childPids(process.pid).find((p) => !before.has(p) && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'workerd');
    if (pid === undefined) {
      await worker.miniflare.dispose();
      throw new Error('could not find the workerd process');
    }
    await run('taskset', ['-a', '-p', '-c', SERVER_CPU, String(pid)]);
    return { url: worker.url.href, pid, stop: () => worker.miniflare.dispose() };
  },
};

interface Row {
  runtime: string;
  seed: WrkResult;
  stream: WrkResult;
  gone: { done: number; errors: string[] };
  counted: Counts;
  rssBefore: number;
  rssAfter: number;
  seconds: number;
}

async function measure(name: string, start: () => Promise<Running>): Promise<Row> {
  const began = Date.now();
  const server = await start();
  try {
    // Warm-up: one pass of the same traffic, so the baseline is the runtime's working set for it. Each
    // runtime climbs to one and then holds it: deno serve from 61 to about 128 MiB over the first seconds
    // of streamed responses, workerd to 350-400 MiB over the first 100,000 requests (then flat over
    // 300,000 more); growth after that is what a leak would show.
    await wrk(new URL('/encode?mystring=warm', server.url).href, WRK_SECONDS);
    await wrk(new URL('/_stream?chunks=8', server.url).href, WRK_SECONDS);
    await disconnecters(server.url, DISCONNECTS, DISCONNECT_CONCURRENCY);
    const base = await settle(server.url);
    const rssBefore = rssMiB(server.pid);
    const seed = await wrk(new URL('/encode?mystring=hello+load', server.url).href, WRK_SECONDS);
    const stream = await wrk(new URL('/_stream?chunks=8', server.url).href, WRK_SECONDS);
    const gone = await disconnecters(server.url, DISCONNECTS, DISCONNECT_CONCURRENCY);
    const end = await settle(server.url);
    const rssAfter = rssMiB(server.pid);
    const counted: Counts = {
      seedRequests: end.seedRequests - base.seedRequests,
      seedCloses: end.seedCloses - base.seedCloses,
      streamRequests: end.streamRequests - base.streamRequests,
      streamCloses: end.streamCloses - base.streamCloses,
    };
    return { runtime: name, seed, stream, gone, counted, rssBefore, rssAfter, seconds: (Date.now() - began) / 1000 };
  } finally {
    await server.stop();
  }
}

const loadAtStart = loadavg()[0]!;
const rows: Row[] = [];
for (const [name, start] of Object.entries(runtimes)) {
  console.error(`load: ${name} ...`);
  const row = await measure(name, start);
  rows.push(row);
  console.error(`load: ${name} done in ${row.seconds.toFixed(0)} s`);
}

/** Runtimes whose RSS grows by itself under load (see the control below): reported, not failed. */
const rssJudgedByControl = new Set(['workerd (miniflare)']);
const lines = [
  `# Load run (${QUICK ? 'quick' : 'full'}): ${new Date().toISOString()}`,
  '',
  `Loopback only; server pinned to CPU ${SERVER_CPU}, clients to CPU ${CLIENT_CPU} (2-core machine). Per runtime:`,
  `wrk -t1 -c${CONNECTIONS} for ${WRK_SECONDS} s on the seed's \`/encode?mystring=hello+load\`, the same on a`,
  `streaming body (\`/_stream?chunks=8\`, 8 x 16 KiB from an async generator), then ${DISCONNECTS} Node fetch clients`,
  `(${DISCONNECT_CONCURRENCY} at a time) that ask for \`/_stream?chunks=4096&delay=1\` (64 MiB), read one chunk and go away.`,
  'Requests and close() are counted by the app itself (load/app.ts; for the Python app, in Python by load/python_app.py,',
  "so a close() counts once it reached the Python iterable). The Python app's stream is a plain generator, which cannot",
  'wait: it ignores `delay` and goes as fast as the client reads. RSS from /proc after a warm-up pass of the same',
  'traffic (so that each runtime has reached its working set) and after the server went quiet;',
  '"flat" means it grew by at most 32 MiB or 25%, whichever is more.',
  `The machine's 1-minute load average was ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} after the last runtime:`,
  'the run itself keeps both CPUs busy (about 2); more is other work, which lowers req/s (and so the counts), not the checks.',
  '',
  '| runtime | seed reqs (wrk) | seed req/s | stream reqs (wrk) | early disconnects | errors | app requests | close() | close() = requests | RSS before → after (MiB) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
];
let failed = false;
for (const row of rows) {
  const errors = row.seed.socketErrors + row.seed.non2xx + row.stream.socketErrors + row.stream.non2xx + row.gone.errors.length;
  const requests = row.counted.seedRequests + row.counted.streamRequests;
  const closes = row.counted.seedCloses + row.counted.streamCloses;
  const equal = requests === closes;
  const missing = requests - closes;
  const verdict = equal ? 'yes' : `no (${missing} short)`;
  const growth = row.rssAfter - row.rssBefore;
  const flat = growth <= Math.max(32, row.rssBefore * 0.25);
  // workerd keeps every abandoned response (the control below shows it for a Worker without wsgi-edge);
  // its RSS is reported, and judged against the control in load/results.md, not failed here.
  if (errors > 0 || !equal || (!flat && !rssJudgedByControl.has(row.runtime))) failed = true;
  lines.push(`| ${row.runtime} | ${row.seed.requests} | ${row.seed.rps.toFixed(0)} | ${row.stream.requests} | ${row.gone.done} | ${errors} | ${requests} | ${closes} | ${verdict} | ${row.rssBefore.toFixed(1)} → ${row.rssAfter.toFixed(1)} (${flat ? 'flat' : `grew ${growth.toFixed(1)}`}) |`);
  for (const error of row.gone.errors.filter(Boolean)) lines.push(`\n${row.runtime} disconnecting client error: ${error}`);
}
console.error('load: workerd control (abandoned streams only, fresh workerd each) ...');
const controls: ControlResult[] = [];
for (const kind of ['plain Worker', 'wsgi-edge Worker'] as const) controls.push(await abandonedGrowth(kind, DISCONNECTS));
lines.push('', `workerd control: RSS of a fresh workerd before and after ${DISCONNECTS} abandoned streams and nothing else`,
  '(a Worker without wsgi-edge shows the platform part):', '',
  '| Worker | RSS before → after (MiB) | growth per abandoned stream (KiB) |', '|---|---|---:|');
for (const control of controls) {
  lines.push(`| ${control.kind} | ${control.before.toFixed(1)} → ${control.after.toFixed(1)} | ${((control.after - control.before) * 1024 / DISCONNECTS).toFixed(1)} |`);
}
console.error('load: workerd control (wrk on /encode only, fresh workerd each) ...');
const wrkControls: ControlResult[] = [];
for (const kind of ['plain Worker', 'wsgi-edge Worker'] as const) {
  wrkControls.push(await wrkGrowth(kind, async (url) => (await wrk(url, WRK_SECONDS)).requests));
}
lines.push('', `workerd control: RSS of a fresh workerd (no warm-up) before and after wrk -t1 -c${CONNECTIONS} for ${WRK_SECONDS} s on`,
  '`/encode`, a plain Worker answering the same page by itself against the wsgi-edge Worker:', '',
  '| Worker | requests | RSS before → after (MiB) |', '|---|---:|---|');
for (const control of wrkControls) {
  lines.push(`| ${control.kind} | ${control.requests} | ${control.before.toFixed(1)} → ${control.after.toFixed(1)} |`);
}
lines.push('', `Detail (app counts): ${JSON.stringify(Object.fromEntries(rows.map((row) => [row.runtime, row.counted])))}`, '');
const text = lines.join('\n');
if (!QUICK) writeFileSync('load/results.md', text);
console.log(text);
process.exitCode = failed ? 1 : 0;
