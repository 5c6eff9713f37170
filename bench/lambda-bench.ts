/**
 * The Lambda section, in one process (run pinned to the server core by bench/main.ts): the time per
 * invocation of wsgi-edge's `handle()` and of `hono/aws-lambda`'s `handle()` on each function URL sample
 * event (tinybench, interleaved), the streaming handlers' cost per MiB into a discarding response stream,
 * the time to import each built Lambda entry in a fresh Node process, and the seed's Python app (Pyodide)
 * behind the same `handle()` against its TypeScript port on the same events. Prints one JSON object.
 *
 * Usage: node dist/bench/lambda-bench.js [--quick] [--time MS] [--load-runs N]
 * @module
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { handle as honoHandle, streamHandle as honoStreamHandle } from 'hono/aws-lambda';
import { Bench } from 'tinybench';
import { base64App } from '../app/base64-app.ts';
import type { WsgiApp } from '../src/index.ts';
import { loadPythonApp } from '../src/python/index.ts';
import { handle, streamHandle } from '../src/targets/lambda/index.ts';
import type { LambdaContext } from '../src/targets/lambda/types.ts';
import { benchHono } from './apps/hono-bench.ts';
import { seedHono } from './apps/hono-seed.ts';
import { CHUNK } from './apps/shared.ts';
import { benchWsgiApp } from './apps/wsgi.ts';
import type { LambdaEventLine, LambdaLoadLine, LambdaReport, LambdaStreamLine, PythonLambdaEventLine, PythonLambdaReport } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    time: { type: 'string', default: '1000' },
    'load-runs': { type: 'string', default: '10' },
  },
});
const timeMs = Number(values.time);
const loadRuns = Number(values['load-runs']);
const streamMiB = values.quick ? 8 : 64;

/**
 * The runtime's `awslambda` global, as much as the streaming handlers use: `streamifyResponse` marks the
 * handler, `HttpResponseStream.from` returns the stream it is given (the prelude is not what is timed).
 */
const STUB = 'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };';
(globalThis as { awslambda?: unknown }).awslambda = {
  streamifyResponse: <T>(handler: T) => handler,
  HttpResponseStream: { from: (stream: Writable) => stream },
};

const context: LambdaContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'wsgi-edge-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:wsgi-edge-bench',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/wsgi-edge-bench',
  logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
} as LambdaContext;

type Event = Record<string, unknown> & { rawPath: string; rawQueryString: string; body: string | null; requestContext: { http: Record<string, unknown> } };

/**
 * The function URL samples, as they are except for the AWS docs' placeholder host `<url-id>...`: Hono's
 * adapter cannot build a URL from it and answers 400 Invalid request (logging an error), so both
 * handlers get the same sample with `url-id...` instead, and do the same work.
 */
function events(): [string, Event][] {
  const dir = join(root, 'test', 'lambda', 'events');
  const samples = readdirSync(dir)
    .filter((name) => name.startsWith('furl.') && name.endsWith('.json') && !name.includes('response'))
    .sort()
    .map((name): [string, Event] => {
      const text = readFileSync(join(dir, name), 'utf8');
      const valid = text.replaceAll('<url-id>', 'url-id');
      return [name.replace(/\.json$/, '') + (valid === text ? '' : ' (host <url-id> → url-id)'), JSON.parse(valid) as Event];
    });
  const base = samples.find(([name]) => name === 'furl.capture.get-root')?.[1] ?? samples[0]?.[1];
  if (!base) throw new Error(`no function URL samples in ${dir}`);
  // The samples hit paths the seed's app answers with 400 or 404; this one makes it do its real work.
  samples.push(['furl.capture.get-root → GET /encode?mystring=hello', asGet(base, '/encode', 'mystring=hello')]);
  return samples;
}

function asGet(event: Event, path: string, query: string): Event {
  const copy = structuredClone(event);
  copy.rawPath = path;
  copy.rawQueryString = query;
  copy.body = null;
  copy.isBase64Encoded = false;
  delete copy.queryStringParameters;
  copy.requestContext.http = { ...copy.requestContext.http, method: 'GET', path };
  return copy;
}

type Handler = (event: Event, context: LambdaContext) => Promise<unknown>;
const statusOf = (result: unknown) => (result as { statusCode?: number }).statusCode ?? 0;
const bodyOf = (result: unknown) => {
  const { body, isBase64Encoded } = result as { body?: string; isBase64Encoded?: boolean };
  return isBase64Encoded ? Buffer.from(body ?? '', 'base64').toString('latin1') : (body ?? '');
};

/** One event's pair of runs: each handler's status and median time, and whether they answered alike. */
interface PairedEvent {
  event: string;
  status: [number, number];
  sameAnswer: boolean;
  us: [number, number];
  samples: [number, number];
}

/** `first` and `second` on every event, interleaved in one tinybench run. */
async function interleaved(first: Handler, second: Handler): Promise<PairedEvent[]> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.max(50, timeMs / 5), iterations: 50 });
  const lines: PairedEvent[] = [];
  for (const [name, event] of events()) {
    const [a, b] = [await first(event, context), await second(event, context)];
    lines.push({ event: name, status: [statusOf(a), statusOf(b)], sameAnswer: statusOf(a) === statusOf(b) && bodyOf(a) === bodyOf(b), us: [0, 0], samples: [0, 0] });
    bench.add(`0 ${name}`, () => first(event, context));
    bench.add(`1 ${name}`, () => second(event, context));
  }
  await bench.run();
  for (const task of bench.tasks) {
    const [side, ...rest] = task.name.split(' ');
    const line = lines.find((l) => l.event === rest.join(' '))!;
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}${'error' in result ? `: ${String(result.error)}` : ''}`);
    const index = Number(side) as 0 | 1;
    line.us[index] = result.latency.p50 * 1000;
    line.samples[index] = result.latency.samplesCount;
  }
  return lines;
}

async function perEvent(): Promise<LambdaEventLine[]> {
  const lines = await interleaved(handle(base64App) as unknown as Handler, honoHandle(seedHono()) as unknown as Handler);
  return lines.map(({ event, status, sameAnswer, us, samples }) => ({
    event, wsgiStatus: status[0], honoStatus: status[1], sameAnswer, wsgiUs: us[0], honoUs: us[1], wsgiSamples: samples[0], honoSamples: samples[1],
  }));
}

/** The seed's Python app and its TypeScript port (app/base64-app.ts) behind `handle()`, interleaved, per event. */
async function pythonPerEvent(): Promise<PythonLambdaReport> {
  let app: WsgiApp;
  try {
    app = await loadPythonApp({ app: 'wsgi_app:simple_app', path: [join(root, 'app')] });
  } catch (error) {
    return { measured: false, reason: `the Python app did not load: ${String((error as Error).message ?? error).slice(0, 300)}` };
  }
  const lines = await interleaved(handle(app) as unknown as Handler, handle(base64App) as unknown as Handler);
  const events = lines.map(({ event, status, sameAnswer, us }) => ({
    event, pythonStatus: status[0], typescriptStatus: status[1], sameAnswer, pythonUs: us[0], typescriptUs: us[1],
  }));
  return { measured: true, events };
}

/** A response stream that takes bytes as fast as it is given them, with Node's default buffering. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

async function streamingCost(): Promise<LambdaStreamLine[]> {
  type StreamHandler = (event: Event, stream: Writable, context: LambdaContext) => Promise<void>;
  const base = events()[0]![1];
  const event = asGet(base, '/stream/gen', `mib=${streamMiB}`);
  const wsgi = streamHandle(benchWsgiApp()) as unknown as StreamHandler;
  const hono = honoStreamHandle(benchHono()) as unknown as StreamHandler;
  const raw = async (stream: Writable) => {
    for (let i = 0; i < streamMiB * 16; i++) {
      if (!stream.write(CHUNK)) await new Promise((resolve) => stream.once('drain', resolve));
    }
    await new Promise<void>((resolve) => stream.end(resolve));
  };
  const bench = new Bench({ time: timeMs, warmupTime: 0, iterations: values.quick ? 2 : 5 });
  bench.add('raw writes to the response stream', () => raw(sink()));
  bench.add('hono/aws-lambda streamHandle (ReadableStream)', () => hono(event, sink(), context));
  bench.add('wsgi-edge streamHandle (generator)', () => wsgi(event, sink(), context));
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
    return { label: task.name, msPerMiB: result.latency.p50 / streamMiB, mib: streamMiB };
  });
}

/** Median time to import each built entry in a fresh Node process (stub `awslambda` global set first). */
function loadTimes(): LambdaLoadLine[] {
  const entries = [
    { label: 'wsgi-edge (npm run build:lambda)', file: join(root, 'dist', 'lambda', 'index.mjs') },
    { label: 'Hono equivalent, same build', file: join(root, 'dist', 'bench', 'lambda-hono', 'index.mjs') },
  ];
  const missing = entries.filter((entry) => !existsSync(entry.file));
  if (missing.length > 0) {
    return entries.map((entry) => ({ ...entry, measured: false, reason: `${missing.map((m) => m.file.slice(root.length + 1)).join(', ')} not built`, ms: Number.NaN, runs: [] }));
  }
  const script = `${STUB} const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));`;
  const runs = entries.map(() => [] as number[]);
  for (let i = 0; i < loadRuns; i++) {
    entries.forEach((entry, j) => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, entry.file], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`importing ${entry.file} failed: ${child.stderr.trim().slice(-300)}`);
      runs[j]!.push(Number(child.stdout));
    });
  }
  return entries.map((entry, j) => ({
    label: entry.label,
    file: entry.file.slice(root.length + 1),
    measured: true,
    ms: median(runs[j]!),
    runs: runs[j]!.map((ms) => Math.round(ms * 100) / 100),
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const report: LambdaReport = { measured: true, events: await perEvent(), streaming: await streamingCost(), load: loadTimes(), python: await pythonPerEvent() };
process.stdout.write(JSON.stringify(report));
