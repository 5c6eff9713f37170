/**
 * `npm run bench`: wsgi-edge against a raw handler and against Hono, on Node, Deno and workerd, plus the
 * seed's Python app as the reference line, the Lambda translation cost and the bundle sizes, in one run.
 * Writes results.md, results.json and readme-table.md (to bench/, or to --out DIR; `--quick` writes to
 * dist/bench/quick/ unless --out says otherwise).
 *
 * Each server runs pinned to core 0 and wrk/curl to core 1, on 127.0.0.1 only; every run is bounded.
 * A target whose code has not landed is reported as not measured, with the reason.
 * @module
 */

import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CHUNK, encodePage, HELLO, ROUTES } from './apps/shared.ts';
import {
  CLIENT_CORE, cpuMs, download, killAll, median, procStatusBytes, resetPeak, run, SERVER_CORE, startServer,
  stopServer, versionOf, wrk, type Server, type WrkResult,
} from './lib.ts';
import { renderReadmeTable, renderResults } from './report.ts';
import type { LambdaReport, Results, RuntimeResult, ServerResult, SizeRow, StreamResult, ThroughputCell } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const built = here;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outArg = args.indexOf('--out');
const outDir = outArg !== -1 && args[outArg + 1] ? args[outArg + 1]! : quick ? join(built, 'quick') : join(root, 'bench');

/** Durations: the full run stays under 10 minutes on 2 cores; the quick one takes seconds. */
const config = quick
  ? { seconds: 1, warmup: 0, rounds: 1, connections: 32, streamMiB: 16, streamRounds: 1, lambdaMs: 100, loadRuns: 2, routes: ['encode'] as const }
  : { seconds: 4, warmup: 1, rounds: 3, connections: 32, streamMiB: 1024, streamRounds: 2, lambdaMs: 1500, loadRuns: 10, routes: ['encode', 'hello'] as const };
export type BenchConfig = typeof config;

const buildFailures = (JSON.parse(readFileSync(join(built, 'build.json'), 'utf8')) as { failures: Record<string, string> }).failures;
const bigFile = join(tmpdir(), `wsgi-edge-bench-${process.pid}.bin`);

interface ServerSpec {
  id: 'raw' | 'wsgi' | 'hono' | 'python';
  label: string;
  /** The dist/bench bundle it needs, if any. */
  needs?: string;
  /** Answers HTTP/1.0 and closes each connection (wsgiref): wrk's read errors are those closes. */
  closesConnections?: boolean;
  start: () => Promise<Server>;
}

interface StreamSpec {
  server: ServerSpec['id'];
  label: string;
  path: string;
  /** The raw baseline the others are compared with. */
  baseline?: boolean;
}

interface RuntimeSpec {
  id: 'node' | 'deno' | 'workerd';
  label: string;
  servers: ServerSpec[];
  streams: StreamSpec[];
}

const node = process.execPath;
const denoBin = join(root, 'node_modules', 'deno', 'deno');
const bundle = (name: string) => join(built, `${name}.js`);
const fileEnv = { BENCH_FILE: bigFile };

const runtimes: RuntimeSpec[] = [
  {
    id: 'node',
    label: `Node ${process.version}`,
    servers: [
      { id: 'raw', label: 'raw node:http handler', needs: 'node-raw', start: () => startServer('node raw', node, [bundle('node-raw')]) },
      { id: 'wsgi', label: 'wsgi-edge (simple server)', needs: 'node-wsgi', start: () => startServer('node wsgi-edge', node, [bundle('node-wsgi')], { env: fileEnv }) },
      { id: 'hono', label: 'Hono on @hono/node-server', needs: 'node-hono', start: () => startServer('node hono', node, [bundle('node-hono')]) },
      { id: 'python', label: 'Python 3 wsgiref.simple_server (seed app, reference)', closesConnections: true, start: () => startServer('python wsgiref', 'python3', [join(root, 'bench', 'servers', 'python_wsgiref.py'), '__PORT__']) },
    ],
    streams: [
      { server: 'raw', label: 'raw node:http writes', path: ROUTES.streamGen, baseline: true },
      { server: 'hono', label: 'raw ReadableStream via @hono/node-server', path: ROUTES.streamGen },
      { server: 'wsgi', label: 'wsgi-edge generator', path: ROUTES.streamGen },
      { server: 'wsgi', label: 'wsgi-edge FileWrapper (file Blob)', path: ROUTES.streamFile },
    ],
  },
  {
    id: 'deno',
    label: 'Deno (deno serve)',
    servers: [
      { id: 'raw', label: 'raw fetch handler', needs: 'fetch-raw', start: () => denoServe('deno raw', 'fetch-raw') },
      { id: 'wsgi', label: 'wsgi-edge (wsgi-edge/deno)', needs: 'deno-wsgi', start: () => denoServe('deno wsgi-edge', 'deno-wsgi') },
      { id: 'hono', label: 'Hono', needs: 'fetch-hono', start: () => denoServe('deno hono', 'fetch-hono') },
    ],
    streams: [
      { server: 'raw', label: 'raw ReadableStream', path: ROUTES.streamGen, baseline: true },
      { server: 'wsgi', label: 'wsgi-edge generator', path: ROUTES.streamGen },
      { server: 'wsgi', label: 'wsgi-edge FileWrapper (FsFile.readable)', path: ROUTES.streamFile },
    ],
  },
  {
    id: 'workerd',
    label: 'workerd (miniflare)',
    servers: [
      { id: 'raw', label: 'raw worker', needs: 'fetch-raw', start: () => workerd('workerd raw', 'fetch-raw') },
      { id: 'wsgi', label: 'wsgi-edge (wsgi-edge/cloudflare)', needs: 'worker-wsgi', start: () => workerd('workerd wsgi-edge', 'worker-wsgi') },
      { id: 'hono', label: 'Hono', needs: 'fetch-hono', start: () => workerd('workerd hono', 'fetch-hono') },
    ],
    streams: [
      { server: 'raw', label: 'raw ReadableStream', path: ROUTES.streamGen, baseline: true },
      { server: 'wsgi', label: 'wsgi-edge generator', path: ROUTES.streamGen },
    ],
  },
];

function denoServe(name: string, module: string): Promise<Server> {
  // No permissions but reading the big file and its name; `deno serve` compresses only when asked to
  // (wrk and curl send Accept-Encoding: identity).
  return startServer(name, denoBin, ['serve', '--quiet', '--no-check', '--host', '127.0.0.1', '--port', '__PORT__',
    `--allow-read=${bigFile}`, '--allow-env=BENCH_FILE', bundle(module)], { env: fileEnv });
}

function workerd(name: string, module: string): Promise<Server> {
  return startServer(name, node, [bundle('workerd-host'), bundle(module)], { urlFromStdout: true, memoryOf: 'workerd' });
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  // This process is a client too: keep it off the server core.
  spawnSync('taskset', ['-a', '-cp', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
  log(`bench${quick ? ' (quick)' : ''}: ${config.streamMiB} MiB streams, ${config.rounds}×${config.seconds}s wrk runs; out: ${outDir}`);
  await makeBigFile(config.streamMiB);

  const results: Results = {
    quick,
    startedAt: startedAt.toISOString(),
    config,
    machine: machine(),
    runtimes: [],
    lambda: { measured: false, reason: 'not run' },
    size: [],
    durationSeconds: 0,
  };
  try {
    for (const runtime of runtimes) results.runtimes.push(await benchRuntime(runtime));
    results.lambda = await benchLambda();
    results.size = sizes();
  } finally {
    killAll();
    rmSync(bigFile, { force: true });
  }
  results.machine.loadAtEnd = loadavg().map((n) => n.toFixed(2)).join(', ');
  results.durationSeconds = Math.round((performance.now() - t0) / 1000);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(outDir, 'results.md'), renderResults(results));
  writeFileSync(join(outDir, 'readme-table.md'), renderReadmeTable(results));
  log(`bench: done in ${results.durationSeconds}s; wrote ${join(outDir, 'results.md')}`);
}

async function makeBigFile(mib: number): Promise<void> {
  const out = createWriteStream(bigFile);
  for (let i = 0; i < mib * 16; i++) {
    if (!out.write(CHUNK)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function machine(): Results['machine'] {
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  const git = (...gitArgs: string[]) => spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' }).stdout.trim();
  return {
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    pinning: `servers on core ${SERVER_CORE}, wrk/curl/orchestrator on core ${CLIENT_CORE} (taskset)`,
    loadAtStart: loadavg().map((n) => n.toFixed(2)).join(', '),
    loadAtEnd: '',
    commit: `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'app') ? ' (with uncommitted changes in src/ or app/)' : ''}`,
    versions: {
      node: process.version,
      deno: versionOf(denoBin, ['--version']),
      workerd: `${pkg('workerd')} (miniflare ${pkg('miniflare')})`,
      python: versionOf('python3', ['--version']),
      wrk: versionOf('wrk', ['--version']).replace(/ Copyright.*/, ''),
      curl: versionOf('curl', ['--version']).split(' ').slice(0, 2).join(' '),
      hono: pkg('hono'),
      '@hono/node-server': pkg('@hono/node-server'),
      tinybench: pkg('tinybench'),
      esbuild: pkg('esbuild'),
    },
  };
}

async function benchRuntime(runtime: RuntimeSpec): Promise<RuntimeResult> {
  log(`== ${runtime.label}`);
  const result: RuntimeResult = { id: runtime.id, label: runtime.label, servers: [], throughput: [], streaming: [] };
  const up = new Map<string, Server>();
  try {
    for (const spec of runtime.servers) {
      const entry: ServerResult = { id: spec.id, label: spec.label, measured: false };
      result.servers.push(entry);
      const missing = spec.needs ? buildFailures[spec.needs] : undefined;
      if (missing) {
        entry.reason = `not built: ${missing}`;
        continue;
      }
      try {
        const server = await spec.start();
        await checkAnswers(server);
        up.set(spec.id, server);
        entry.measured = true;
      } catch (error) {
        entry.reason = (error as Error).message.slice(0, 300);
      }
      if (!entry.measured) log(`  ${spec.label}: not measured: ${entry.reason}`);
    }
    await throughput(runtime, up, result);
    await streaming(runtime, up, result);
  } finally {
    await Promise.all([...up.values()].map(stopServer));
  }
  return result;
}

/** Every server must answer the measured routes with the same bytes before it is timed. */
async function checkAnswers(server: Server): Promise<void> {
  const expected: Record<string, string> = { [ROUTES.encode]: encodePage('mystring=hello')!, [ROUTES.hello]: HELLO };
  for (const [path, body] of Object.entries(expected)) {
    const response = await fetch(server.url + path, { headers: { 'accept-encoding': 'identity' } });
    const text = await response.text();
    if (response.status !== 200 || text !== body) {
      throw new Error(`${server.name} answered ${path} with ${response.status} ${JSON.stringify(text.slice(0, 120))}`);
    }
  }
}

async function throughput(runtime: RuntimeSpec, up: Map<string, Server>, result: RuntimeResult): Promise<void> {
  const servers = runtime.servers.filter((spec) => up.has(spec.id));
  const samples = new Map<string, (WrkResult & { cpuUs: number })[]>();
  for (let round = 0; round < config.rounds; round++) {
    for (const route of config.routes) {
      // Rotated each round, so that drift in the machine's load does not always favour the same server.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const spec of order) {
        const server = up.get(spec.id)!;
        const url = server.url + ROUTES[route];
        if (round === 0 && config.warmup > 0) await wrk(url, config.warmup, config.connections);
        const cpuBefore = cpuMs(server.pid);
        const measured = await wrk(url, config.seconds, config.connections);
        // CPU time per request: what the server spent, whatever else the machine was doing meanwhile.
        const sample = { ...measured, cpuUs: ((cpuMs(server.pid) - cpuBefore) * 1000) / Math.max(1, measured.requests) };
        const key = `${spec.id} ${route}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        log(`  ${route.padEnd(6)} ${spec.label.padEnd(40)} ${sample.rps.toFixed(0).padStart(7)} req/s  ${sample.cpuUs.toFixed(1).padStart(6)} CPU µs/req  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms${sample.errors || sample.non2xx ? `  (${sample.errors} socket errors, ${sample.non2xx} non-2xx)` : ''}`);
      }
    }
  }
  for (const route of config.routes) {
    for (const spec of servers) {
      const runs = samples.get(`${spec.id} ${route}`) ?? [];
      const cell: ThroughputCell = {
        server: spec.id,
        route: ROUTES[route],
        rps: median(runs.map((r) => r.rps)),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        cpuUsPerRequest: median(runs.map((r) => r.cpuUs)),
        runs: runs.map((r) => Math.round(r.rps)),
        errors: runs.reduce((sum, r) => sum + r.errors + (spec.closesConnections ? 0 : r.readErrors), 0),
        non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      };
      result.throughput.push(cell);
    }
  }
}

async function streaming(runtime: RuntimeSpec, up: Map<string, Server>, result: RuntimeResult): Promise<void> {
  const expectedBytes = config.streamMiB * 2 ** 20;
  for (const spec of runtime.streams) {
    const server = up.get(spec.server);
    const entry: StreamResult = { label: spec.label, baseline: spec.baseline === true, measured: false, mbps: [], rssGrowthMiB: [] };
    result.streaming.push(entry);
    if (!server) {
      entry.reason = result.servers.find((s) => s.id === spec.server)?.reason ?? 'server not running';
      continue;
    }
    try {
      for (let round = 0; round < config.streamRounds; round++) {
        const { mbps, growth, peak } = await streamOnce(server, `${server.url}${spec.path}?mib=${config.streamMiB}`, expectedBytes);
        entry.mbps.push(mbps);
        entry.rssGrowthMiB.push(growth);
        entry.peakRssMiB = Math.max(entry.peakRssMiB ?? 0, peak);
        log(`  stream ${spec.label.padEnd(40)} ${mbps.toFixed(0).padStart(6)} MB/s  RSS +${growth.toFixed(1)} MiB (peak ${peak.toFixed(0)} MiB)`);
      }
      entry.measured = true;
    } catch (error) {
      const message = (error as Error).message;
      entry.reason = message.includes('returned error: 501')
        ? 'the server was given no file to send'
        : message.slice(0, 300);
      log(`  stream ${spec.label}: not measured: ${entry.reason}`);
    }
  }
}

/** One download: MB/s (10^6 bytes) and the server's RSS growth from before the request to its peak. */
async function streamOnce(server: Server, url: string, expectedBytes: number): Promise<{ mbps: number; growth: number; peak: number }> {
  const before = procStatusBytes(server.pid, 'VmRSS');
  const canReset = resetPeak(server.pid);
  let sampled = before;
  const sampler = setInterval(() => {
    try {
      sampled = Math.max(sampled, procStatusBytes(server.pid, 'VmRSS'));
    } catch {
      // The server is gone; the download reports it.
    }
  }, 20);
  let got;
  try {
    got = await download(url, 240_000);
  } finally {
    clearInterval(sampler);
  }
  if (got.bytes !== expectedBytes) throw new Error(`${url} sent ${got.bytes} bytes, expected ${expectedBytes}`);
  const peak = Math.max(sampled, canReset ? procStatusBytes(server.pid, 'VmHWM') : 0);
  return { mbps: got.bytes / got.seconds / 1e6, growth: (peak - before) / 2 ** 20, peak: peak / 2 ** 20 };
}

async function benchLambda(): Promise<LambdaReport> {
  log('== Lambda');
  if (buildFailures['lambda-bench']) return { measured: false, reason: `not built: ${buildFailures['lambda-bench']}` };
  const child = await run('taskset', ['-c', SERVER_CORE, node, '--expose-gc', bundle('lambda-bench'), ...(quick ? ['--quick'] : []),
    '--time', String(config.lambdaMs), '--load-runs', String(config.loadRuns)], 300_000);
  if (child.code !== 0) return { measured: false, reason: `lambda benchmark failed (${child.code}): ${child.stderr.trim().slice(-400)}` };
  const report = JSON.parse(child.stdout) as LambdaReport;
  for (const line of report.events ?? []) {
    log(`  ${line.event.padEnd(44)} wsgi-edge ${line.wsgiUs.toFixed(1)} µs  hono ${line.honoUs.toFixed(1)} µs  ratio ${(line.wsgiUs / line.honoUs).toFixed(2)}`);
  }
  return report;
}

function sizes(): SizeRow[] {
  const dir = join(built, 'size');
  const rows: SizeRow[] = [];
  for (const target of ['cloudflare', 'deno', 'lambda', 'node']) {
    for (const variant of ['wsgi-edge', 'hono'] as const) {
      const name = `${target}.${variant}`;
      const file = join(dir, `${name}.mjs`);
      const failure = buildFailures[`size/${name}`];
      if (failure || !existsSync(file)) {
        rows.push({ target, variant, measured: false, reason: failure ?? 'not built' });
        continue;
      }
      const code = readFileSync(file);
      rows.push({ target, variant, measured: true, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
    }
  }
  return rows;
}

function log(line: string): void {
  process.stderr.write(line + '\n');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    rmSync(bigFile, { force: true });
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  killAll();
  rmSync(bigFile, { force: true });
  console.error(error);
  process.exit(1);
}
