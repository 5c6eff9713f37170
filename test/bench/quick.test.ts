/**
 * The benchmark's quick mode (`npm run bench:quick`), run as CI runs it, so that `npm run bench` keeps
 * working: it must finish, write well-formed results for every runtime, and measure what has landed.
 * No figure is compared with a threshold here (timings belong in bench/results.md, not in tests).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PythonAppResult, Results } from '../../bench/types.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'wsgi-edge-bench-quick-'));
let results: Results;
let markdown: string;
let readme: string;

beforeAll(() => {
  const build = spawnSync(process.execPath, ['bench/build.mjs'], { cwd: root, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  // Bounded, not timed: the Python lines under a second Pyodide add about a minute of cold starts, several on a shared machine.
  const run = spawnSync(process.execPath, ['dist/bench/main.js', '--quick', '--out', out], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
  results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  markdown = readFileSync(join(out, 'results.md'), 'utf8');
  readme = readFileSync(join(out, 'readme-table.md'), 'utf8');
}, 960_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const positive = (n: number | undefined) => typeof n === 'number' && Number.isFinite(n) && n > 0;

describe('npm run bench -- --quick', () => {
  it('records the machine, the versions and the run', () => {
    expect(results.quick).toBe(true);
    expect(results.machine.cpu).toMatch(/×\s*\d+$/);
    expect(results.machine.pinning).toContain('taskset');
    expect(results.machine.versions.node).toBe(process.version);
    for (const name of ['deno', 'python', 'wrk', 'curl', 'hono', '@hono/node-server', 'tinybench', 'pyodide', 'pyodide-314', 'gunicorn (CPython)', 'waitress (CPython)', 'flask (CPython)']) {
      expect(results.machine.versions[name], name).not.toMatch(/^(not found|not installed|unknown)$/);
    }
    expect(positive(results.durationSeconds)).toBe(true);
  });

  it('measures Node: raw node:http, the simple server, Hono and the Python reference, on the same bytes', () => {
    const node = results.runtimes.find((r) => r.id === 'node')!;
    expect(node.servers.map((s) => [s.id, s.measured, s.reason])).toEqual([
      ['raw', true, undefined], ['wsgi', true, undefined], ['hono', true, undefined], ['python', true, undefined],
    ]);
    expect(node.throughput.map((c) => c.server).sort()).toEqual(['hono', 'python', 'raw', 'wsgi']);
  });

  it('gives every measured throughput cell finite medians, one run per round and no wrong answer', () => {
    const cells = results.runtimes.flatMap((r) => r.throughput);
    expect(cells.length).toBeGreaterThanOrEqual(4);
    for (const c of cells) {
      expect(positive(c.rps) && positive(c.p50Ms) && positive(c.p99Ms) && positive(c.cpuUsPerRequest), JSON.stringify(c)).toBe(true);
      expect(c.runs).toHaveLength(results.config.rounds);
      expect(c.non2xx, JSON.stringify(c)).toBe(0);
      // Socket errors (a timeout on a loaded machine) are counted and shown, not a failure.
      expect(Number.isInteger(c.errors) && c.errors >= 0).toBe(true);
    }
  });

  it('says why wherever something was not measured', () => {
    for (const runtime of results.runtimes) {
      for (const s of runtime.servers) expect(s.measured || (s.reason ?? '').length > 0, `${runtime.id} ${s.id}`).toBe(true);
      for (const s of runtime.streaming) expect(s.measured || (s.reason ?? '').length > 0, `${runtime.id} ${s.label}`).toBe(true);
      // A server that ran has its throughput cells.
      for (const s of runtime.servers.filter((x) => x.measured)) {
        expect(runtime.throughput.some((c) => c.server === s.id), `${runtime.id} ${s.id}`).toBe(true);
      }
    }
    expect(results.runtimes.map((r) => r.id)).toEqual(['node', 'deno', 'workerd']);
  });

  it('streams the whole body through the raw baseline and the wsgi-edge generator on Node', () => {
    const node = results.runtimes.find((r) => r.id === 'node')!;
    for (const label of ['raw node:http writes', 'wsgi-edge generator']) {
      const s = node.streaming.find((x) => x.label === label)!;
      expect(s.measured, s.reason).toBe(true);
      expect(s.mbps).toHaveLength(results.config.streamRounds);
      expect(s.mbps.every(positive)).toBe(true);
      expect(s.rssGrowthMiB.every((n) => Number.isFinite(n) && n >= 0)).toBe(true);
      expect(s.cpuMsPerMiB).toHaveLength(results.config.streamRounds);
      expect(positive(s.first!.mbps) && s.first!.rssGrowthMiB >= 0 && s.first!.cpuMsPerMiB >= 0, JSON.stringify(s.first)).toBe(true);
    }
  });

  it('times the Lambda handlers on every function URL sample, each answering as the other does', () => {
    expect(results.lambda.measured, results.lambda.reason).toBe(true);
    const events = results.lambda.events!;
    expect(events.length).toBeGreaterThanOrEqual(5);
    for (const e of events) {
      expect(positive(e.wsgiUs) && positive(e.honoUs), e.event).toBe(true);
      expect(e.wsgiStatus, e.event).toBe(e.honoStatus);
      expect(e.sameAnswer, e.event).toBe(true);
    }
    expect(events.find((e) => e.event.includes('/encode'))?.wsgiStatus).toBe(200);
    expect(results.lambda.streaming!.map((s) => s.label)).toHaveLength(3);
    expect(results.lambda.streaming!.every((s) => positive(s.msPerMiB))).toBe(true);
    for (const l of results.lambda.load!) expect(l.measured ? positive(l.ms) : (l.reason ?? '').length > 0, l.label).toBe(true);
  });

  it('sizes each target entry against Hono, gzipped smaller than minified', () => {
    expect(results.size).toHaveLength(8);
    for (const row of results.size) {
      if (row.measured) expect(row.gzipBytes! > 0 && row.gzipBytes! < row.minBytes!, `${row.target} ${row.variant}`).toBe(true);
      else expect((row.reason ?? '').length > 0).toBe(true);
    }
    expect(results.size.find((r) => r.target === 'lambda' && r.variant === 'wsgi-edge')?.measured).toBe(true);
  });

  it('serves both Python apps on wsgi-edge (Node and Deno, under each Pyodide), gunicorn, waitress (1 and 4 threads) and wsgiref, on the same bytes', () => {
    const python = results.python;
    expect(python.measured, python.reason).toBe(true);
    expect(python.pyodideVersions).toEqual([results.machine.versions.pyodide, results.machine.versions['pyodide-314']]);
    expect(python.apps.map((a) => a.id)).toEqual(['seed', 'flask']);
    const servers = ['wsgi-edge-node', 'wsgi-edge-deno', 'wsgi-edge-node-314', 'wsgi-edge-deno-314', 'gunicorn', 'waitress-1', 'waitress', 'wsgiref'];
    const [seed, flask] = python.apps as [PythonAppResult, PythonAppResult];
    expect(seed.servers.map((s) => [s.id, s.measured, s.reason])).toEqual(servers.map((id) => [id, true, undefined]));
    // Debian 12's Flask 2.2 (and its Werkzeug) cannot be imported by Python 3.14: those lines say so, in one line.
    expect(flask.servers.map((s) => [s.id, s.measured, s.reason])).toEqual(servers.map((id) => id.endsWith('-314')
      ? [id, false, expect.stringMatching(/^under Pyodide 314\.\d+\.\d+ \(Python 3\.14\), cannot load the Python app "flask_bench:application": Importing 'flask_bench' failed \([^\n]+\)$/)]
      : [id, true, undefined]));
    for (const app of python.apps) {
      expect(app.throughput.map((c) => c.server)).toEqual(app.servers.filter((s) => s.measured).map((s) => s.id));
      for (const c of app.throughput) {
        expect(positive(c.rps) && positive(c.p50Ms) && positive(c.cpuUsPerRequest), `${app.id} ${JSON.stringify(c)}`).toBe(true);
        expect(c.runs).toHaveLength(results.config.rounds);
        expect(c.non2xx, `${app.id} ${c.server}`).toBe(0);
      }
      for (const s of app.servers.filter((x) => x.measured)) expect(positive(s.rssMiB), `${app.id} ${s.id}`).toBe(true);
    }
  });

  it('streams a Python generator whole through wsgi-edge and gunicorn', () => {
    const streams = results.python.streaming;
    expect(streams.map((s) => s.label)).toEqual(['gunicorn, 1 sync worker', 'wsgi-edge, Node simple server', 'wsgi-edge, deno serve']);
    for (const s of streams) {
      expect(s.measured, `${s.label}: ${s.reason}`).toBe(true);
      expect(s.mbps).toHaveLength(results.config.pythonStreamRounds);
      expect(s.mbps.every(positive) && s.rssGrowthMiB.every((n) => Number.isFinite(n) && n >= 0)).toBe(true);
      expect(s.cpuMsPerMiB).toHaveLength(results.config.pythonStreamRounds);
      expect(positive(s.first!.mbps) && s.first!.rssGrowthMiB >= 0, JSON.stringify(s.first)).toBe(true);
    }
  });

  it('times each Python app from process start to its first 200, and sizes and starts its Lambda package', () => {
    const lines = results.python.coldStart;
    const flaskRefused = (server: string) => results.python.apps[1]!.servers.find((s) => s.id === server)?.reason;
    for (const app of ['seed', 'flask']) {
      for (const [server, snapshot] of [['wsgi-edge-node', false], ['wsgi-edge-node', true], ['wsgi-edge-deno', false], ['wsgi-edge-deno', true],
        ['wsgi-edge-node-314', false], ['wsgi-edge-node-314', true], ['wsgi-edge-deno-314', false], ['wsgi-edge-deno-314', true],
        ['wsgi-edge-deno-build', false], ['wsgi-edge-deno-build', true], ['gunicorn', false]] as const) {
        const line = lines.find((l) => l.app === app && l.server === server && l.snapshot === snapshot);
        if (app === 'flask' && server.endsWith('-314')) {
          // What the throughput runs found, not tried again: the app cannot load under 314.
          expect([line?.measured, line?.reason], `${app} ${server}`).toEqual([false, flaskRefused(server)]);
          continue;
        }
        expect(line?.measured, `${app} ${server}${snapshot ? ' snapshot' : ''}: ${line?.reason}`).toBe(true);
        expect(line!.ms).toHaveLength(results.config.coldStartRuns);
        expect(line!.ms.every(positive) && line!.rssMiB.every(positive)).toBe(true);
      }
    }
    expect(lines).toHaveLength(22);
    // One per app and Pyodide, each made by that Pyodide; none for Flask under 314, which cannot load it.
    expect(results.python.snapshots.map((s) => [s.app, s.pyodide, s.measured])).toEqual([
      ['seed', results.machine.versions.pyodide, true], ['seed', results.machine.versions['pyodide-314'], true],
      ['flask', results.machine.versions.pyodide, true], ['flask', results.machine.versions['pyodide-314'], false]]);
    for (const snapshot of results.python.snapshots.filter((s) => s.measured)) expect(positive(snapshot.bytes), snapshot.app).toBe(true);
    // Each app from `wsgi-edge build lambda`, with and without its snapshot.
    expect(results.python.lambdaPackage.map((pkg) => pkg.label)).toEqual([
      "the seed's app, from its snapshot", "the seed's app, no snapshot", 'the Flask app, from its snapshot', 'the Flask app, no snapshot']);
    for (const pkg of results.python.lambdaPackage) {
      expect(pkg.measured, `${pkg.label}: ${pkg.reason}`).toBe(true);
      expect(pkg.zipBytes! > 0 && pkg.zipBytes! < pkg.unzippedBytes!, pkg.label).toBe(true);
      expect(pkg.initMs).toHaveLength(results.config.coldStartRuns);
      expect(pkg.initMs!.every(positive)).toBe(true);
    }
  });

  it('times the Python app behind the Lambda handle() on every event, answering as its TypeScript port does', () => {
    const python = results.lambda.python!;
    expect(python.measured, python.reason).toBe(true);
    expect(python.events!.length).toBe(results.lambda.events!.length);
    for (const e of python.events!) {
      expect(positive(e.pythonUs) && positive(e.typescriptUs), e.event).toBe(true);
      expect(e.sameAnswer, e.event).toBe(true);
    }
    expect(python.events!.find((e) => e.event.includes('/encode'))?.pythonStatus).toBe(200);
  });

  it('writes results.md and the README table with no hole in them', () => {
    for (const heading of ['## Machine', '## Method', '## Throughput and latency', '## Streaming', '## AWS Lambda', '## Size', '## Python apps', '## Targets']) {
      expect(markdown).toContain(heading);
    }
    for (const text of [markdown, readme]) {
      expect(text).not.toMatch(/NaN|undefined|Infinity|\[object /);
    }
    expect(readme).toMatch(/^\| Runtime \| Route \|/m);
    expect(readme).toMatch(/^\| Python app \| Server \|/m);
    expect(markdown).toMatch(/^\| Python: the seed's app on wsgi-edge\/Node ≥ 1 × gunicorn's req\/s \| .+ \| (yes|\*\*no\*\*) \|$/m);
  });
});
