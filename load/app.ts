/**
 * The app the load run (load/run.ts) drives on every runtime: the seed's `base64App` and a streaming
 * app, each body wrapped so the app counts the requests it took and the `close()` calls that followed,
 * and `/_load/stats` (not counted) to read those counts. The counts live in this module: one per
 * process (Node, Deno) or isolate (workerd).
 * @module
 */

import type { ResponseBody, WsgiApp } from '../src/index.ts';
import { base64App } from '../app/base64-app.ts';

const counts = { seedRequests: 0, seedCloses: 0, streamRequests: 0, streamCloses: 0 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The body as an iterable whose `close()` is counted, then passed on to the app's own `close()`. */
function counted(body: ResponseBody, count: () => void): ResponseBody {
  // A list keeps its own shape (the gateway's path for lists); it has no close() of its own.
  if (Array.isArray(body)) return Object.assign(body, { close: count });
  const inner = body as ResponseBody & { close?: () => unknown };
  const source = body as Iterable<unknown> | AsyncIterable<unknown>;
  const wrapper = Symbol.asyncIterator in source
    ? { [Symbol.asyncIterator]: () => (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() }
    : { [Symbol.iterator]: () => (source as Iterable<unknown>)[Symbol.iterator]() };
  return Object.assign(wrapper, {
    close: () => {
      count();
      return inner.close?.();
    },
  }) as unknown as ResponseBody;
}

/**
 * `/_stream?chunks=&delay=`: `chunks` (at most 4096) chunks of 16 KiB; with `delay`, an async generator
 * that waits `delay` ms after each chunk. The disconnecting clients ask for far more than they read.
 */
const streamApp: WsgiApp = (environ, startResponse) => {
  const params = new URLSearchParams(environ.QUERY_STRING);
  const chunks = Math.min(Number(params.get('chunks') ?? 8), 4096);
  const delay = Math.min(Number(params.get('delay') ?? 0), 100);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  return (async function* () {
    for (let i = 0; i < chunks; i++) {
      yield chunk;
      if (delay > 0) await sleep(delay);
    }
  })();
};

export const loadApp: WsgiApp = async (environ, startResponse) => {
  if (environ.PATH_INFO === '/_load/stats') {
    startResponse('200 OK', [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']]);
    return [JSON.stringify(counts)];
  }
  if (environ.PATH_INFO === '/_stream') {
    counts.streamRequests++;
    return counted(await streamApp(environ, startResponse), () => { counts.streamCloses++; });
  }
  counts.seedRequests++;
  return counted(await base64App(environ, startResponse), () => { counts.seedCloses++; });
};
