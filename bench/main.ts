/**
 * `npm run bench`: wsgi-edge against a raw handler and against Hono, on Node, Deno and workerd, plus the
 * seed's Python app as the reference line, the Lambda translation cost and the bundle sizes, then Python
 * apps on wsgi-edge (Pyodide) against CPython's own servers (./python.ts), in one run.
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
import { benchConfig } from './config.ts';
import { CLIENT_CORE, killAll, log, run, SERVER_CORE, startServer, stopServer, versionOf, type Server } from './lib.ts';
import { checkAnswers, measureStreams, measureThroughput } from './measure.ts';
import { benchPython, findCPython } from './python.ts';
import { renderReadmeTable, renderResults } from './report.ts';
import type { LambdaReport, Results, RuntimeResult, ServerResult, SizeRow } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const built = here;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** `--only python`: that section alone (the others are reported as not run), for working on it. */
const onlyArg = args.indexOf('--only');
const only = onlyArg !== -1 ? args[onlyArg + 1] : undefined;
const outArg = args.indexOf('--out');
const outDir = outArg !== -1 && args[outArg + 1] ? args[outArg + 1]! : quick ? join(built, 'quick') : join(root, 'bench');

const config = benchConfig(quick);

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
/** The CPython every CPython line runs on (the wsgiref reference here, gunicorn and waitress in the Python section). */
const cpython = findCPython();
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
      { id: 'python', label: 'Python 3 wsgiref.simple_server (seed app, reference)', closesConnections: true, start: () => startServer('python wsgiref', cpython.command, [join(root, 'bench', 'servers', 'python_wsgiref.py'), '__PORT__']) },
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
    python: { measured: false, reason: 'not run', cpython, pyodide: '', pyodideVersions: [], apps: [], streaming: [], snapshots: [], coldStart: [], lambdaPackage: [], workersPackage: [] },
    durationSeconds: 0,
  };
  try {
    if (only !== 'python') {
      for (const runtime of runtimes) results.runtimes.push(await benchRuntime(runtime));
      results.lambda = await benchLambda();
      results.size = sizes();
    }
    results.python = await benchPython({ root, built, deno: denoBin, buildFailures, flaskSite: process.env.BENCH_FLASK_SITE || undefined }, config);
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
      python: `${cpython.command}: Python ${cpython.version}`,
      ...Object.fromEntries(Object.entries(cpython.packages).map(([name, version]) => [`${name} (CPython)`, version])),
      pyodide: pkg('pyodide'),
      'pyodide-314': pkg('pyodide-314'),
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
        up.set(spec.id, server);
        await checkAnswers(server, { [ROUTES.encode]: encodePage('mystring=hello')!, [ROUTES.hello]: HELLO }, { seconds: config.warmup, connections: config.connections });
        entry.measured = true;
      } catch (error) {
        entry.reason = (error as Error).message.slice(0, 300);
      }
      if (!entry.measured) log(`  ${spec.label}: not measured: ${entry.reason}`);
    }
    result.throughput = await measureThroughput(runtime.servers, up, config.routes.map((name) => ({ name, path: ROUTES[name] })), config);
    result.streaming = await measureStreams(runtime.streams, up, (id) => result.servers.find((s) => s.id === id)?.reason,
      config.streamMiB, config.streamRounds);
  } finally {
    await Promise.all([...up.values()].map(stopServer));
  }
  return result;
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
  for (const line of report.python?.events ?? []) {
    log(`  ${line.event.padEnd(44)} Python app ${line.pythonUs.toFixed(1)} µs  its TypeScript port ${line.typescriptUs.toFixed(1)} µs`);
  }
  if (report.python && !report.python.measured) log(`  Python handler: not measured: ${report.python.reason}`);
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
