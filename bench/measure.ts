/**
 * The measurements every section of the bench shares: the answer check before timing, wrk rounds with
 * the server order rotated, and streamed downloads with the server's RSS growth.
 * @module
 */

import type { BenchConfig } from './config.ts';
import { cpuMsBetween, download, log, median, procStatusBytes, resetPeak, serverCpuMs, threadRunTimes, wrk, type Server, type WrkResult } from './lib.ts';
import type { StreamResult, ThroughputCell } from './types.ts';

/** A server of one comparison, as the measurements see it. */
export interface Contender {
  id: ThroughputCell['server'];
  label: string;
  /** Answers with a connection per request (wsgiref's HTTP/1.0, gunicorn's sync worker): wrk's read errors are those closes. */
  closesConnections?: boolean;
}

export interface StreamSpec {
  server: string;
  label: string;
  path: string;
  /** The baseline the others are compared with. */
  baseline?: boolean;
}

/**
 * Every server must answer each path with the expected body before it is timed. Then, with `warmup`, each
 * path is loaded for that long at once: a Node server that answered one request and then idled for
 * seconds before its first load served 20-25 % slower for the rest of its life (bench/PROFILE.md), so
 * the servers started first, loaded soon after their check, were favoured over the later ones.
 */
export async function checkAnswers(server: Server, expected: Readonly<Record<string, string>>,
  warmup?: { seconds: number; connections: number }): Promise<void> {
  for (const [path, body] of Object.entries(expected)) {
    const response = await fetch(server.url + path, { headers: { 'accept-encoding': 'identity' } });
    const text = await response.text();
    if (response.status !== 200 || text !== body) {
      throw new Error(`${server.name} answered ${path} with ${response.status} ${JSON.stringify(text.slice(0, 120))}`);
    }
    if (warmup && warmup.seconds > 0) await wrk(server.url + path, warmup.seconds, warmup.connections);
  }
}

/**
 * `config.rounds` wrk runs of each running contender on each route, the order rotated each round; medians.
 * The servers were warmed up by `checkAnswers` as they started.
 */
export async function measureThroughput(contenders: readonly Contender[], up: ReadonlyMap<string, Server>,
  routes: readonly { name: string; path: string }[], config: BenchConfig): Promise<ThroughputCell[]> {
  const running = contenders.filter((spec) => up.has(spec.id));
  const samples = new Map<string, (WrkResult & { cpuUs: number })[]>();
  for (let round = 0; round < config.rounds; round++) {
    for (const route of routes) {
      // Rotated each round, so that drift in the machine's load does not always favour the same server.
      const order = running.map((_, i) => running[(i + round) % running.length]!);
      for (const spec of order) {
        const server = up.get(spec.id)!;
        const url = server.url + route.path;
        const cpuBefore = serverCpuMs(server);
        const measured = await wrk(url, config.seconds, config.connections);
        // CPU time per request: what the server spent, whatever else the machine was doing meanwhile.
        const sample = { ...measured, cpuUs: ((serverCpuMs(server) - cpuBefore) * 1000) / Math.max(1, measured.requests) };
        const key = `${spec.id} ${route.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        log(`  ${route.name.padEnd(6)} ${spec.label.padEnd(40)} ${sample.rps.toFixed(0).padStart(7)} req/s  ${sample.cpuUs.toFixed(1).padStart(6)} CPU µs/req  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms${sample.errors || sample.non2xx ? `  (${sample.errors} socket errors, ${sample.non2xx} non-2xx)` : ''}`);
      }
    }
  }
  const cells: ThroughputCell[] = [];
  for (const route of routes) {
    for (const spec of running) {
      const runs = samples.get(`${spec.id} ${route.name}`) ?? [];
      cells.push({
        server: spec.id,
        route: route.path,
        rps: median(runs.map((r) => r.rps)),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        cpuUsPerRequest: median(runs.map((r) => r.cpuUs)),
        runs: runs.map((r) => Math.round(r.rps)),
        errors: runs.reduce((sum, r) => sum + r.errors + (spec.closesConnections ? 0 : r.readErrors), 0),
        non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
      });
    }
  }
  return cells;
}

/**
 * One download from each stream's server that is not counted, then `rounds` downloads from each, the
 * order rotated each round; `reasonOf(id)` says why a server that is not running was not measured.
 * The first download is set apart because it pays for what the throughput warm-up never ran (a
 * Pyodide server's wasm and JavaScript for the streamed path are tiered up during it: 1.0-1.3 ms of
 * CPU per MiB against 0.5-0.7 once warm, bench/PROFILE.md); its RSS growth is still reported, on its
 * own. The rotation is the throughput runs' own: this machine's speed drifts by a third within a
 * minute, which downloads taken server after server put all on one of them.
 */
export async function measureStreams(specs: readonly StreamSpec[], up: ReadonlyMap<string, Server>,
  reasonOf: (id: string) => string | undefined, mib: number, rounds: number): Promise<StreamResult[]> {
  const expectedBytes = mib * 2 ** 20;
  const entries = specs.map((spec): { spec: StreamSpec; server?: Server; entry: StreamResult } => ({
    spec,
    server: up.get(spec.server),
    entry: { label: spec.label, baseline: spec.baseline === true, measured: false, mbps: [], rssGrowthMiB: [], cpuMsPerMiB: [] },
  }));
  for (const { spec, server, entry } of entries) {
    if (!server) entry.reason = reasonOf(spec.server) ?? 'server not running';
  }
  const failed = (entry: StreamResult, error: unknown) => {
    const message = (error as Error).message;
    entry.reason = message.includes('returned error: 501') ? 'the server was given no file to send' : message.slice(0, 300);
    log(`  stream ${entry.label}: not measured: ${entry.reason}`);
  };
  const timedDownload = async (server: Server, spec: StreamSpec) => {
    const cpuBefore = threadRunTimes(server);
    const got = await streamOnce(server, `${server.url}${spec.path}?mib=${mib}`, expectedBytes);
    return { ...got, cpuMsPerMiB: cpuMsBetween(cpuBefore, threadRunTimes(server)) / mib };
  };
  for (const { spec, server, entry } of entries) {
    if (!server) continue;
    try {
      const first = await timedDownload(server, spec);
      entry.first = { mbps: first.mbps, rssGrowthMiB: first.growth, cpuMsPerMiB: first.cpuMsPerMiB };
      entry.peakRssMiB = first.peak;
      log(`  stream ${spec.label.padEnd(40)} ${first.mbps.toFixed(0).padStart(6)} MB/s  RSS +${first.growth.toFixed(1)} MiB (first download, not counted)`);
    } catch (error) {
      failed(entry, error);
    }
  }
  for (let round = 0; round < rounds; round++) {
    const running = entries.filter(({ server, entry }) => server && entry.reason === undefined);
    for (let i = 0; i < running.length; i++) {
      const { spec, server, entry } = running[(i + round) % running.length]!;
      try {
        const { mbps, growth, peak, cpuMsPerMiB } = await timedDownload(server!, spec);
        entry.mbps.push(mbps);
        entry.rssGrowthMiB.push(growth);
        entry.cpuMsPerMiB.push(cpuMsPerMiB);
        entry.peakRssMiB = Math.max(entry.peakRssMiB ?? 0, peak);
        log(`  stream ${spec.label.padEnd(40)} ${mbps.toFixed(0).padStart(6)} MB/s  RSS +${growth.toFixed(1)} MiB (peak ${peak.toFixed(0)} MiB)  CPU ${cpuMsPerMiB.toFixed(2)} ms/MiB`);
      } catch (error) {
        failed(entry, error);
      }
    }
  }
  for (const { entry } of entries) entry.measured = entry.reason === undefined && entry.mbps.length === rounds;
  return entries.map(({ entry }) => entry);
}

/** One download: MB/s (10^6 bytes) and the server's RSS growth from before the request to its peak. */
export async function streamOnce(server: Server, url: string, expectedBytes: number): Promise<{ mbps: number; growth: number; peak: number }> {
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
