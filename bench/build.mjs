/**
 * Builds the benchmark's TypeScript (bench/**) with esbuild into dist/bench/: the orchestrator, the
 * servers under test, and the minified entries whose size is measured. Each entry is built on its own,
 * so a target that has not landed yet (its source missing or not building) only takes its own lines
 * out of the run: the failures are listed in dist/bench/build.json and reported as "not measured".
 * Plain JavaScript because it is what turns the TypeScript into something Node 20 can run.
 */

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bench');
mkdirSync(out, { recursive: true });

/** Tools that run on Node and load their packages from node_modules. */
const tools = { main: 'bench/main.ts', 'lambda-bench': 'bench/lambda-bench.ts', 'workerd-host': 'bench/servers/workerd-host.ts' };
/** Servers under test, bundled whole (the same way for wsgi-edge, raw and Hono). */
const nodeServers = { 'node-wsgi': 'bench/servers/node-wsgi.ts', 'node-raw': 'bench/servers/node-raw.ts', 'node-hono': 'bench/servers/node-hono.ts' };
/**
 * wsgi-edge serving Python apps (Node and `deno serve`): `pyodide` stays a package import (its wasm and stdlib sit beside its JavaScript), and the bridge's Python half is copied
 * beside the bundles, where `loadPythonApp()` looks for it.
 */
const pythonEntries = {
  'node-python': 'bench/servers/node-python.ts',
  'deno-python': 'bench/servers/deno-python.ts',
  'python-snapshot': 'bench/servers/python-snapshot.ts',
};
const fetchModules = {
  'deno-wsgi': 'bench/servers/deno-wsgi.ts',
  'worker-wsgi': 'bench/servers/worker-wsgi.ts',
  'fetch-raw': 'bench/servers/fetch-raw.ts',
  'fetch-hono': 'bench/servers/fetch-hono.ts',
};
/** Size: each target's entry for the seed's app, and Hono's equivalent, as a deploy would bundle them. */
const sizeEntries = {
  'cloudflare.wsgi-edge': ['app/cloudflare.ts', 'workers'],
  'cloudflare.hono': ['bench/entries/hono-cloudflare.ts', 'workers'],
  'deno.wsgi-edge': ['app/deno.ts', 'workers'],
  'deno.hono': ['bench/entries/hono-deno.ts', 'workers'],
  'lambda.wsgi-edge': ['app/lambda.ts', 'node'],
  'lambda.hono': ['bench/entries/hono-lambda.ts', 'node'],
  'node.wsgi-edge': ['app/serve.ts', 'node'],
  'node.hono': ['bench/entries/hono-node.ts', 'node'],
};

const common = { bundle: true, format: 'esm', target: 'es2022', logLevel: 'silent', absWorkingDir: root };
const neutral = { platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'], external: ['node:*'] };

const jobs = [];
for (const [name, entry] of Object.entries(tools)) {
  jobs.push([name, entry, { platform: 'node', packages: 'external', outfile: join(out, `${name}.js`) }]);
}
for (const [name, entry] of Object.entries(nodeServers)) {
  jobs.push([name, entry, { platform: 'node', outfile: join(out, `${name}.js`) }]);
}
for (const [name, entry] of Object.entries(pythonEntries)) {
  jobs.push([name, entry, { platform: 'node', packages: 'external', outfile: join(out, `${name}.js`) }]);
}
for (const [name, entry] of Object.entries(fetchModules)) {
  jobs.push([name, entry, { ...neutral, outfile: join(out, `${name}.js`) }]);
}
for (const [name, [entry, kind]] of Object.entries(sizeEntries)) {
  const platform = kind === 'node' ? { platform: 'node' } : neutral;
  jobs.push([`size/${name}`, entry, { ...platform, minify: true, outfile: join(out, 'size', `${name}.mjs`) }]);
}

const failures = {};
await Promise.all(jobs.map(async ([name, entry, options]) => {
  if (!existsSync(join(root, entry))) {
    failures[name] = `${entry} does not exist yet`;
    return;
  }
  try {
    await build({ ...common, ...options, entryPoints: [entry] });
  } catch (error) {
    const first = error.errors?.[0];
    failures[name] = first ? `${entry}: ${first.text}${first.location ? ` (${first.location.file}:${first.location.line})` : ''}` : String(error);
  }
}));
// The Lambda entry as the project ships it (npm run build:lambda), and Hono's equivalent built by the
// same script, for the module load times.
const lambdaBuild = join(root, 'scripts', 'build-lambda.mjs');
for (const [name, extra] of [['lambda-entry', []], ['lambda-entry-hono', ['--entry', 'bench/entries/hono-lambda.ts', '--outdir', join(out, 'lambda-hono')]]]) {
  if (!existsSync(lambdaBuild)) {
    failures[name] = 'scripts/build-lambda.mjs does not exist yet';
    continue;
  }
  const result = spawnSync(process.execPath, [lambdaBuild, ...extra], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) failures[name] = `scripts/build-lambda.mjs ${extra.join(' ')} failed: ${result.stderr.trim().slice(-300)}`;
}

copyFileSync(join(root, 'src', 'python', 'wsgi_edge_bridge.py'), join(out, 'wsgi_edge_bridge.py'));

writeFileSync(join(out, 'build.json'), JSON.stringify({ failures }, null, 2) + '\n');
if (failures.main) {
  console.error(`bench: the orchestrator did not build: ${failures.main}`);
  process.exit(1);
}
for (const [name, reason] of Object.entries(failures)) console.error(`bench: ${name} not built: ${reason}`);
