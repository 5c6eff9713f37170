/**
 * Paired A/B runs of the gateway inside the real servers (bench/PROFILE.md's method), for the JavaScript
 * servers: builds of the tree taken at different moments serve the bench app at once, pinned to the server
 * core, and wrk (the client core) runs against each in turn, the order rotated each round; medians of
 * server CPU per request and req/s. Run the same variant twice under two names for the A/A control; a
 * difference under 5 % needs three processes of each (`after after2=after after3=after`), since one
 * `deno serve` process in several runs 15-20 % slower than its twin for its whole life (bench/PROFILE.md, stop 40).
 *
 *   node --import tsx bench/ab-gateway.ts --build before
 *   (change src/core) node --import tsx bench/ab-gateway.ts --build after
 *   node --import tsx bench/ab-gateway.ts --runtime deno|node|workerd [--path /hello] [--rounds 6]
 *     [--seconds 3] before after before=before2 raw hono
 *
 * A variant is dist/ab-gateway/NAME (node-wsgi.js, deno-wsgi.js, worker-wsgi.js of one tree), `NAME=OTHER`
 * (OTHER's build under a second name: the A/A copy), `raw` or `hono` (the baselines of dist/bench, made by
 * `node bench/build.mjs`), or the path of a module of one's own for the runtime (a scratch handler).
 * @module
 */

import { build, type BuildOptions } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodePage, HELLO, ROUTES } from './apps/shared.ts';
import { benchConfig } from './config.ts';
import { CLIENT_CORE, killAll, log, startServer, stopServer, type Server } from './lib.ts';
import { checkAnswers, measureThroughput } from './measure.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    build: { type: 'string' },
    runtime: { type: 'string', default: 'deno' },
    path: { type: 'string', default: ROUTES.encode },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
  },
});

type Runtime = 'node' | 'deno' | 'workerd';
const runtimes: Record<Runtime, { wsgi: string; raw: string; hono: string }> = {
  node: { wsgi: 'node-wsgi', raw: 'node-raw', hono: 'node-hono' },
  deno: { wsgi: 'deno-wsgi', raw: 'fetch-raw', hono: 'fetch-hono' },
  workerd: { wsgi: 'worker-wsgi', raw: 'fetch-raw', hono: 'fetch-hono' },
};

const variantDir = (name: string) => join(root, 'dist', 'ab-gateway', name);
const denoBin = join(root, 'node_modules', 'deno', 'deno');

async function buildVariant(name: string): Promise<void> {
  const dir = variantDir(name);
  mkdirSync(dir, { recursive: true });
  const neutral: BuildOptions = { platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'], external: ['node:*'] };
  await build({
    entryPoints: [join(root, 'bench', 'servers', 'node-wsgi.ts')], bundle: true, format: 'esm', target: 'es2022', platform: 'node',
    logLevel: 'silent', outfile: join(dir, 'node-wsgi.js'), absWorkingDir: root,
  });
  for (const server of ['deno-wsgi', 'worker-wsgi']) {
    await build({
      entryPoints: [join(root, 'bench', 'servers', `${server}.ts`)], bundle: true, format: 'esm', target: 'es2022', ...neutral,
      logLevel: 'silent', outfile: join(dir, `${server}.js`), absWorkingDir: root,
    });
  }
  log(`built ${dir} from the current tree`);
}

/** The module a variant name stands for on `runtime`. */
function moduleOf(runtime: Runtime, variant: string): string {
  const names = runtimes[runtime];
  if (variant === 'raw' || variant === 'hono') {
    const bundle = join(root, 'dist', 'bench', `${names[variant]}.js`);
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node bench/build.mjs first`);
    return bundle;
  }
  const built = join(variantDir(variant), `${names.wsgi}.js`);
  if (existsSync(built)) return built;
  if (existsSync(variant)) return resolve(variant);
  throw new Error(`no variant ${variant}: neither ${built} nor a module of that path`);
}

function start(runtime: Runtime, name: string, module: string): Promise<Server> {
  if (runtime === 'node') return startServer(name, process.execPath, [module]);
  if (runtime === 'deno') return startServer(name, denoBin, ['serve', '--quiet', '--no-check', '--host', '127.0.0.1', '--port', '__PORT__', '--allow-env=BENCH_FILE', module]);
  return startServer(name, process.execPath, [join(root, 'dist', 'bench', 'workerd-host.js'), module], { urlFromStdout: true, memoryOf: 'workerd' });
}

async function compare(specs: string[]): Promise<void> {
  const runtime = values.runtime as Runtime;
  if (!(runtime in runtimes)) throw new Error(`--runtime is node, deno or workerd, not ${runtime}`);
  const variants = specs.map((spec) => {
    const [name, source = name] = spec.split('=') as [string, string?];
    return { name, module: moduleOf(runtime, source) };
  });
  const expected: Record<string, string> = { [ROUTES.encode]: encodePage('mystring=hello')!, [ROUTES.hello]: HELLO };
  const up = new Map<string, Server>();
  const config = { ...benchConfig(false), rounds: Number(values.rounds), seconds: Number(values.seconds) };
  try {
    for (const { name, module } of variants) {
      const server = await start(runtime, name, module);
      up.set(name, server);
      if (values.path in expected) await checkAnswers(server, { [values.path]: expected[values.path]! }, { seconds: config.warmup, connections: config.connections });
    }
    const cells = await measureThroughput(variants.map(({ name }) => ({ id: name as 'wsgi', label: name })), up, [{ name: 'ab', path: values.path }], config);
    const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
    log(`\n${values.path} on ${runtime}, ${config.rounds} rounds of ${config.seconds} s (load ${load})`);
    for (const c of cells) log(`${String(c.server).padEnd(12)} CPU ${c.cpuUsPerRequest.toFixed(1).padStart(7)} µs/req   ${c.rps.toFixed(0).padStart(6)} req/s   runs ${c.runs.join(', ')}`);
  } finally {
    await Promise.all([...up.values()].map(stopServer));
    killAll();
  }
}

spawnSync('taskset', ['-a', '-cp', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
if (values.build) await buildVariant(values.build);
else await compare(positionals);
