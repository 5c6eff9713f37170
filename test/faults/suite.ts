/**
 * Fault cases, written once, for every runtime that serves `faultApp` (test/faults/apps.ts), or its Python
 * twin (test/faults/python/faults.py), on a loopback port: a client gone mid-stream, the app failing before and after headers, a request body cut
 * short (a raw socket that promises N bytes and sends fewer), and a slow reader. Each case shows what
 * became of `close()` (through `/state`) and that the same process or isolate serves the next request.
 * @module
 */

import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { SLOW_CHUNK } from './apps.ts';

export interface FaultTarget {
  name: string;
  baseUrl: () => string;
  /** As in test/conformance/cases.ts: whether a client gone mid-stream reaches the app as `close()`. */
  disconnect: 'closes' | 'unnoticed';
  /**
   * How the app gets a request body: as it arrives (the default), or read whole before the app runs
   * (the Python bridge: a Python app reads `wsgi.input` synchronously). Then a body cut short never
   * reaches the app, and only `errorsOutput` shows the request.
   */
  requestBody?: { readAhead: true; errorsOutput: () => string };
}

interface State {
  produced: number;
  closes: number;
  upload: { state: string; length: number; error?: string } | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks a `/slow` body as it arrives, piece by piece: the byte at offset p is (p / SLOW_CHUNK) & 0xff.
 * `first` describes the first byte that is not.
 */
export function wrongBytes(): { check(piece: Uint8Array): void; first: string | undefined } {
  let offset = 0;
  const state = {
    first: undefined as string | undefined,
    check(piece: Uint8Array) {
      for (let i = 0; i < piece.length && state.first === undefined; i++) {
        const expected = Math.floor((offset + i) / SLOW_CHUNK) & 0xff;
        if (piece[i] !== expected) state.first = `byte ${offset + i} is ${piece[i]}, not ${expected}`;
      }
      offset += piece.length;
    },
  };
  return state;
}
let nextId = 0;
const uniqueId = (label: string) => `${label}-${Date.now().toString(36)}-${nextId++}`;

export function faultSuite(target: FaultTarget): void {
  const url = (path: string) => new URL(path, target.baseUrl());
  const stateOf = async (id: string): Promise<State> => {
    const response = await fetch(url(`/state?id=${id}`));
    expect(response.status).toBe(200);
    return await response.json() as State;
  };
  /** Polls (bounded: 5 s) until `done` holds for the state, and returns the last state read. */
  const waitFor = async (id: string, done: (state: State) => boolean): Promise<State> => {
    let last = await stateOf(id);
    for (let i = 0; i < 250 && !done(last); i++) {
      await sleep(20);
      last = await stateOf(id);
    }
    return last;
  };
  const servesNext = async () => {
    const response = await fetch(url('/hello'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  };
  /** A socket that has sent an upload's head, promising 100,000 bytes, and the first 1,000 of them. */
  const cutShortUpload = async (id: string) => {
    const { hostname, port } = url('/');
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `POST /upload?id=${id} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: 100000\r\nConnection: close\r\n\r\n`,
    );
    socket.write(Buffer.alloc(1000, 0x61));
    return socket;
  };

  it(target.disconnect === 'closes'
    ? `${target.name}: a client gone mid-stream ends in close(), and the next request is served`
    : `${target.name}: a client gone mid-stream is not reported (platform limit); the next request is served`, async () => {
    const id = uniqueId('gone');
    const controller = new AbortController();
    const response = await fetch(url(`/slow?id=${id}&chunks=4096`), {
      signal: controller.signal,
      headers: { 'Accept-Encoding': 'identity' },
    });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    if (target.disconnect === 'closes') {
      const after = await waitFor(id, (s) => s.closes > 0);
      expect(after.closes).toBe(1);
      expect(after.produced).toBeLessThan(4096);
    } else {
      expect((await stateOf(id)).closes).toBe(0);
    }
    await servesNext();
  });

  it(target.disconnect === 'closes'
    ? `${target.name}: clients that hang up right after the first bytes (FIN or RST) each end in close() once`
    : `${target.name}: clients that hang up right after the first bytes are not reported (platform limit); the next request is served`, async () => {
    // A fast generator and a socket closed as soon as bytes arrive: the server learns of it only when a
    // write fails (workerd then stops its own pump without a word), not while it waits for the app.
    const { hostname, port } = url('/');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = uniqueId(`hangup${i}`);
      ids.push(id);
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const firstBytes = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write(`GET /slow?id=${id}&chunks=4096 HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept-Encoding: identity\r\n\r\n`);
      await firstBytes;
      if (i % 2 === 0) socket.destroy();
      else socket.resetAndDestroy();
      await closed;
    }
    for (const id of ids) {
      if (target.disconnect === 'closes') {
        const after = await waitFor(id, (s) => s.closes > 0);
        expect(after.closes, id).toBe(1);
        expect(after.produced, id).toBeLessThan(4096);
      } else {
        expect((await stateOf(id)).closes, id).toBe(0);
      }
    }
    await servesNext();
  });

  it(`${target.name}: the app failing before headers answers 500, and the next request is served`, async () => {
    const response = await fetch(url('/error-before'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('fault-before-headers');
    await servesNext();
  });

  it(`${target.name}: the app failing after headers still ends in close() once, and the next request is served`, async () => {
    const id = uniqueId('after');
    const response = await fetch(url(`/error-after?id=${id}`), { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    await response.text().catch(() => undefined);
    expect((await waitFor(id, (s) => s.closes > 0)).closes).toBe(1);
    await servesNext();
  });

  if (target.requestBody?.readAhead) {
    const { errorsOutput } = target.requestBody;
    it(`${target.name}: a request body cut short never reaches the app (it is read ahead); the failed read is logged, and the next request is served`, async () => {
      const id = uniqueId('cut');
      const socket = await cutShortUpload(id);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      await closed;
      for (let i = 0; i < 250 && !errorsOutput().includes(`/upload?id=${id}`); i++) await sleep(20);
      expect(errorsOutput()).toMatch(new RegExp(`Error in WSGI app for POST /upload\\?id=${id}:\n`));
      expect(await stateOf(id)).toEqual({ produced: 0, closes: 0, upload: null });
      await servesNext();
    });
  } else {
    it(`${target.name}: a request body cut short fails the read, ends in close() once, and the next request is served`, async () => {
      const id = uniqueId('cut');
      const socket = await cutShortUpload(id);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // Wait until the app has started reading, then go away with 99,000 bytes still owed.
      const reading = await waitFor(id, (s) => s.upload !== null);
      expect(reading.upload?.state).toBe('reading');
      socket.destroy();
      await closed;
      const after = await waitFor(id, (s) => s.closes > 0);
      expect(after.closes).toBe(1);
      expect(after.upload?.state).toBe('error');
      expect(after.upload?.length).toBeLessThan(100000);
      await servesNext();
    });
  }

  it(`${target.name}: a slow reader holds the generator back (bounded run-ahead), gets every byte, and close() runs once`, async () => {
    const id = uniqueId('slow');
    const chunks = 512; // 32 MiB in all
    const response = await fetch(url(`/slow?id=${id}&chunks=${chunks}`), { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    const first = await reader.read();
    received += first.value?.length ?? 0;
    // Stop reading; let the generator run ahead as far as the gateway lets it (bounded wait, 1 s).
    let produced = (await stateOf(id)).produced;
    for (let i = 0; i < 50; i++) {
      await sleep(20);
      produced = (await stateOf(id)).produced;
    }
    // Socket buffers on both sides and the client's own queue hold a few MiB; an unbounded gateway
    // would have produced all 32 MiB by now.
    expect(produced * SLOW_CHUNK).toBeLessThan(16 * 1024 * 1024);
    // Now read the rest slowly, a pause every 64 reads, and check every byte: chunk i is all i & 0xff, so a
    // buffer the server reused before it had sent it (a pooled one, under the Python bridge) shows.
    const wrong = wrongBytes();
    if (first.value) wrong.check(first.value);
    for (let reads = 0; ; reads++) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      wrong.check(value);
      if (reads % 64 === 0) await sleep(5);
    }
    expect(wrong.first).toBeUndefined();
    expect(received).toBe(chunks * SLOW_CHUNK);
    const after = await waitFor(id, (s) => s.closes > 0);
    expect(after).toMatchObject({ produced: chunks, closes: 1 });
    await servesNext();
  });
}
