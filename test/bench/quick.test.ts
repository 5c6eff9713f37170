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
import type { Results } from '../../bench/types.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'wsgi-edge-bench-quick-'));
let results: Results;
let markdown: string;
let readme: string;

beforeAll(() => {
  const build = spawnSync(process.execPath, ['bench/build.mjs'], { cwd: root, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  const run = spawnSync(process.execPath, ['dist/bench/main.js', '--quick', '--out', out], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  expect(run.status, `${run.stderr}\n${run.stdout}`).toBe(0);
  results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  markdown = readFileSync(join(out, 'results.md'), 'utf8');
  readme = readFileSync(join(out, 'readme-table.md'), 'utf8');
}, 300_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const positive = (n: number | undefined) => typeof n === 'number' && Number.isFinite(n) && n > 0;

describe('npm run bench -- --quick', () => {
  it('records the machine, the versions and the run', () => {
    expect(results.quick).toBe(true);
    expect(results.machine.cpu).toMatch(/×\s*\d+$/);
    expect(results.machine.pinning).toContain('taskset');
    expect(results.machine.versions.node).toBe(process.version);
    for (const name of ['deno', 'python', 'wrk', 'curl', 'hono', '@hono/node-server', 'tinybench']) {
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

  it('writes results.md and the README table with no hole in them', () => {
    for (const heading of ['## Machine', '## Method', '## Throughput and latency', '## Streaming', '## AWS Lambda', '## Size', '## Targets']) {
      expect(markdown).toContain(heading);
    }
    for (const text of [markdown, readme]) {
      expect(text).not.toMatch(/NaN|undefined|Infinity|\[object /);
    }
    expect(readme).toMatch(/^\| Runtime \| Route \|/m);
  });
});
