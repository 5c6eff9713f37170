/**
 * Paired A/B runs of the Python bridge inside the real servers (bench/PROFILE.md's method): builds of the
 * tree taken at different moments serve the same Python app at once, pinned to the server core, and wrk
 * (the client core) runs against each in turn, the order rotated each round; medians of server CPU per
 * request and req/s. A variant is dist/ab/NAME, holding node-python.js, deno-python.js and the bridge's
 * Python half, made from the current tree by `--build NAME` (inside the repository, so that `pyodide`
 * resolves to its node_modules); `--pyodide 314` builds it beside a `node_modules/pyodide` that is that
 * version (test/helpers/pyodide-versions.ts), so it serves under 314.
 *
 *   node --import tsx bench/ab-python.ts --build before [--pyodide 314]
 *   (change src/python) node --import tsx bench/ab-python.ts --build after
 *   node --import tsx bench/ab-python.ts [--app seed|flask] [--path /stream/gen?mib=64] [--deno]
 *     [--gunicorn] [--rounds 6] [--seconds 3] [--site DIR] before after
 *
 * A variant whose folder holds a file `node-flags` (or `deno-flags`) runs its Node server (or `deno serve`) with
 * those flags (one line, split at spaces): `cp -r dist/ab/after dist/ab/lean && echo '--liftoff-only' >
 * dist/ab/lean/node-flags`, or `echo '--v8-flags=--max-semi-space-size=1' > dist/ab/lean/deno-flags`.
 * A `/stream/gen` path is downloaded instead of loaded with wrk: MB/s, the server's RSS growth and its
 * CPU per MiB. `--gunicorn` adds the app on gunicorn's sync worker (the bench's baseline) to the rotation.
 * `--app flask` needs bench/build's copy of Flask (dist/bench/python-site, made by `npm run bench`), or another
 * folder of pure-Python packages given as `--site DIR` (a newer Flask, say), which gunicorn is given too.
 * @module
 */

import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodePage, ROUTES } from './apps/shared.ts';
import { benchConfig } from './config.ts';
import { CLIENT_CORE, killAll, log, median, procStatusBytes, startServer, stopServer, type Server } from './lib.ts';
import { checkAnswers, measureStreams, measureThroughput } from './measure.ts';
import { besidePyodide, findCPython, pythonServers, servingPid } from './python.ts';
import { PYODIDE_VERSIONS } from '../test/helpers/pyodide-versions.ts';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    build: { type: 'string' },
    pyodide: { type: 'string' },
    app: { type: 'string', default: 'seed' },
    path: { type: 'string', default: ROUTES.encode },
    deno: { type: 'boolean', default: false },
    gunicorn: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
    site: { type: 'string', default: join(root, 'dist', 'bench', 'python-site') },
  },
});

const variantDir = (name: string) => join(root, 'dist', 'ab', name);

async function buildVariant(name: string): Promise<void> {
  const dir = variantDir(name);
  mkdirSync(dir, { recursive: true });
  for (const server of ['node-python', 'deno-python']) {
    await build({
      entryPoints: [join(root, 'bench', 'servers', `${server}.ts`)], bundle: true, format: 'esm', target: 'es2022', platform: 'node',
      packages: 'external', logLevel: 'silent', outfile: join(dir, `${server}.js`), absWorkingDir: root,
    });
  }
  copyFileSync(join(root, 'src', 'python', 'wsgi_edge_bridge.py'), join(dir, 'wsgi_edge_bridge.py'));
  if (values.pyodide !== undefined) {
    const version = PYODIDE_VERSIONS.find((each) => each.name === values.pyodide);
    if (!version) throw new Error(`--pyodide is one of ${PYODIDE_VERSIONS.map((each) => each.name).join(', ')}, not ${values.pyodide}`);
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    if (!version.isDefault) besidePyodide(dir, version);
  }
  log(`built ${dir} from the current tree${values.pyodide === undefined ? '' : ` for Pyodide ${values.pyodide}`}`);
}

const apps: Record<string, { id: 'seed' | 'flask'; label: string; spec: string; path: string[] }> = {
  seed: { id: 'seed', label: 'seed', spec: 'seed_bench:application', path: [join(root, 'bench', 'apps', 'python'), join(root, 'app')] },
  flask: { id: 'flask', label: 'flask', spec: 'flask_bench:application', path: [join(root, 'bench', 'apps', 'python'), values.site] },
};

async function compare(names: string[]): Promise<void> {
  const variants = names.map((name): [string, string] => [name, variantDir(name)]);
  const app = apps[values.app];
  if (!app) throw new Error(`--app is seed or flask, not ${values.app}`);
  const env = { BENCH_PY_APP: app.spec, BENCH_PY_PATH: app.path.join(':') };
  const deno = join(root, 'node_modules', 'deno', 'deno');
  const up = new Map<string, Server>();
  const rounds = Number(values.rounds);
  const config = { ...benchConfig(false), rounds, seconds: Number(values.seconds) };
  const warmup = { seconds: config.warmup, connections: config.connections };
  try {
    for (const [name, dir] of variants) {
      const server = values.deno
        ? await startServer(name, deno, ['serve', '--quiet', '--no-check', '--allow-read', '--allow-env', ...variantFlags(dir, 'deno'), '--host', '127.0.0.1', '--port', '__PORT__', join(dir, 'deno-python.js')], { env })
        : await startServer(name, process.execPath, [...variantFlags(dir, 'node'), join(dir, 'node-python.js')], { env });
      up.set(name, server);
      if (values.path === ROUTES.encode) await checkAnswers(server, { [ROUTES.encode]: encodePage('mystring=hello')! }, warmup);
    }
    if (values.gunicorn) {
      const gunicorn = pythonServers({ root, built: '', deno, buildFailures: {} }, findCPython(), []).find((spec) => spec.id === 'gunicorn')!;
      const { command, args, env: pythonEnv } = gunicorn.command(app);
      const server = await startServer('gunicorn', command, args, { env: pythonEnv, cpuOfTree: true });
      server.pid = servingPid(server, true);
      up.set('gunicorn', server);
      variants.push(['gunicorn', '']);
      if (values.path === ROUTES.encode) await checkAnswers(server, { [ROUTES.encode]: encodePage('mystring=hello')! }, warmup);
    }
    if (values.path.startsWith(ROUTES.streamGen)) {
      await compareStreams(variants.map(([name]) => name), up, rounds);
      return;
    }
    const cells = await measureThroughput(variants.map(([name]) => ({ id: name as 'wsgi', label: name })), up, [{ name: 'ab', path: values.path }], config);
    log(`\n${values.app} ${values.path} on ${values.deno ? 'deno serve' : 'Node'}, ${rounds} rounds of ${config.seconds} s (load ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()})`);
    for (const c of cells) {
      const rss = procStatusBytes(up.get(String(c.server))!.pid, 'VmRSS') / 2 ** 20;
      log(`${String(c.server).padEnd(12)} CPU ${c.cpuUsPerRequest.toFixed(1).padStart(7)} µs/req   ${c.rps.toFixed(0).padStart(6)} req/s   RSS now ${rss.toFixed(0)} MiB   runs ${c.runs.join(', ')}`);
    }
  } finally {
    await Promise.all([...up.values()].map(stopServer));
    killAll();
  }
}

/** The variant's own flags for a runtime (its `node-flags` or `deno-flags` file), if it has any. */
function variantFlags(dir: string, runtime: 'node' | 'deno'): string[] {
  const file = join(dir, `${runtime}-flags`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/) : [];
}

/** Downloads of `--path` from each server, as the bench takes them (`measureStreams`): MB/s, RSS growth, server CPU per MiB. */
async function compareStreams(names: string[], up: ReadonlyMap<string, Server>, rounds: number): Promise<void> {
  const [path, query] = values.path.split('?') as [string, string | undefined];
  const mib = Number(/(?:^|&)mib=(\d+)/.exec(query ?? '')?.[1] ?? 1);
  const results = await measureStreams(names.map((name) => ({ server: name, label: name, path })), up, () => undefined, mib, rounds);
  log(`\n${values.path} on ${values.deno ? 'deno serve' : 'Node'}, ${rounds} rounds after one uncounted download each (load ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()})`);
  for (const got of results) {
    if (!got.measured) {
      log(`${got.label.padEnd(12)} not measured: ${got.reason}`);
      continue;
    }
    const runs = got.mbps.map((mbps, i) => `${mbps.toFixed(0)} +${got.rssGrowthMiB[i]!.toFixed(1)} ${got.cpuMsPerMiB[i]!.toFixed(2)}`);
    log(`${got.label.padEnd(12)} ${median(got.mbps).toFixed(0).padStart(5)} MB/s   CPU ${median(got.cpuMsPerMiB).toFixed(2)} ms/MiB   `
      + `RSS growth up to ${Math.max(...got.rssGrowthMiB).toFixed(1)} MiB (first download ${got.first!.mbps.toFixed(0)} MB/s, +${got.first!.rssGrowthMiB.toFixed(1)} MiB, ${got.first!.cpuMsPerMiB.toFixed(2)} ms/MiB)   `
      + `runs (MB/s, MiB of growth, ms/MiB) ${runs.join(', ')}`);
  }
}

spawnSync('taskset', ['-a', '-cp', CLIENT_CORE, String(process.pid)], { stdio: 'ignore' });
if (values.build) await buildVariant(values.build);
else await compare(positionals);
