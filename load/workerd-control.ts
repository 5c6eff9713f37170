/**
 * A control for the load run's workerd row: how much workerd's RSS grows when clients abandon
 * streamed responses, for a plain Worker with no wsgi-edge in it (a lazily pulled ReadableStream of 16
 * KiB chunks with a 1 ms timer between them, as the load app's stream) and for the load Worker, each in
 * a fresh workerd, with nothing but the abandoned requests; the gap between the two is what wsgi-edge
 * adds to each (the wsgi-edge Worker stops each abandoned body and runs close(); the plain one is left
 * to workerd). And the
 * same for plain requests under wrk: a plain Worker answering the seed's `/encode` page by itself, against
 * the load Worker, so workerd's own growth under load is told apart from wsgi-edge's.
 * @module
 */

import { readdirSync, readFileSync } from 'node:fs';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { buildWorker } from '../test/cloudflare/workerd.ts';

const PLAIN = `export default { fetch() {
  let i = 0;
  const chunk = new Uint8Array(16384).fill(97);
  const body = new ReadableStream({ async pull(controller) {
    if (i++ >= 4096) { controller.close(); return; }
    controller.enqueue(chunk);
    await new Promise((resolve) => setTimeout(resolve, 1));
  } }, { highWaterMark: 0 });
  return new Response(body, { headers: { 'Content-Type': 'application/octet-stream' } });
} };`;

/** The seed's `/encode` answer, without wsgi-edge. */
const PLAIN_PAGE = `export default { fetch(request) {
  const value = new URL(request.url).searchParams.get('mystring') ?? '';
  return new Response('<html><head><title>wsgi_app.py</title></head><body>' + btoa(value) + '</body>',
    { headers: { 'Content-Type': 'text/html' } });
} };`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function workerdPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd') return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error('no workerd child process');
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function abandon(url: URL, count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 24 }, async () => {
    while (next++ < count) {
      const controller = new AbortController();
      const response = await fetch(url, { signal: controller.signal, headers: { 'Accept-Encoding': 'identity' } });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
  }));
}

export interface ControlResult { kind: 'plain Worker' | 'wsgi-edge Worker'; before: number; after: number; requests?: number }

/** RSS of a fresh workerd before and after `count` abandoned streams (after a 50-request warm-up). */
export async function abandonedGrowth(kind: ControlResult['kind'], count: number): Promise<ControlResult> {
  const script = kind === 'plain Worker' ? PLAIN : (await buildWorker('load/wrangler.toml')).script;
  const miniflare = new Miniflare({
    modules: true, script, compatibilityDate: '2026-04-26', host: '127.0.0.1', port: 0,
    cf: { colo: 'TST' }, log: new Log(LogLevel.WARN),
  });
  try {
    const base = await miniflare.ready;
    const url = kind === 'plain Worker' ? base : new URL('/_stream?chunks=4096&delay=1', base);
    const pid = workerdPid();
    await abandon(url, 50);
    await sleep(1000);
    const before = rssMiB(pid);
    await abandon(url, count);
    await sleep(2000);
    return { kind, before, after: rssMiB(pid) };
  } finally {
    await miniflare.dispose();
  }
}

/**
 * RSS of a fresh workerd before and after `drive(url)` sends requests to `/encode` (no warm-up: the
 * driver returns how many requests it completed).
 */
export async function wrkGrowth(kind: ControlResult['kind'], drive: (url: string) => Promise<number>): Promise<ControlResult> {
  const script = kind === 'plain Worker' ? PLAIN_PAGE : (await buildWorker('load/wrangler.toml')).script;
  const miniflare = new Miniflare({
    modules: true, script, compatibilityDate: '2026-04-26', host: '127.0.0.1', port: 0,
    cf: { colo: 'TST' }, log: new Log(LogLevel.WARN),
  });
  try {
    const url = new URL('/encode?mystring=hello+load', await miniflare.ready).href;
    const pid = workerdPid();
    const before = rssMiB(pid);
    const requests = await drive(url);
    await sleep(2000);
    return { kind, before, after: rssMiB(pid), requests };
  } finally {
    await miniflare.dispose();
  }
}
