/**
 * Python faults on Deno: test/faults/python/faults.py under a real `deno serve` (the entry
 * test/faults/python-deno-server.ts, through `wsgi-edge/deno` and `wsgi-edge/python` as published): the
 * shared fault cases (under each supported Pyodide, from the fixture's snapshot its own command made), a dead
 * interpreter ending the process, an app that cannot load, and streamed bodies whose pooled buffers Deno's
 * server hands back (over HTTP/2, and under a handler that reads the body itself).
 */
import { spawn } from 'node:child_process';
import http, { type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DENO, denoServe, quietDenoEnv, type DenoServer } from '../deno/deno.ts';
import { PYODIDE_VERSIONS, placeEntry } from '../helpers/pyodide-versions.ts';
import { expectInterpreterDeath, pythonFaultSuite } from './python-suite.ts';
import { SLOW_CHUNK } from './apps.ts';
import { faultSuite, wrongBytes } from './suite.ts';

const ENTRY = 'test/faults/python-deno-server.ts';
/** What the entry needs: Pyodide's files and the app's, and the environment (Pyodide and FAULT_APP read it). */
const PERMISSIONS = ['--allow-read', '--allow-env'];
/** The servers that load the fixture start from its snapshot (a fresh Pyodide's start is the CLI suite's and the conformance suite's to show). */
const FROM_SNAPSHOT = { FAULT_SNAPSHOT: inject('pythonFaultsSnapshot') };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.each(PYODIDE_VERSIONS)('Python faults: deno serve, Pyodide $name', (version) => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(placeEntry(version, ENTRY), PERMISSIONS, { FAULT_SNAPSHOT: inject('pythonFaultsSnapshots')[version.name]! });
  });
  afterAll(() => server?.stop());
  const target = { name: `python on deno (Pyodide ${version.name})`, baseUrl: () => server.url, output: () => server.output() };

  faultSuite({ ...target, disconnect: 'closes', requestBody: { readAhead: true, errorsOutput: target.output } });
  pythonFaultSuite(target);

  it('SystemExit before headers answers 500, and the process exits with one line once the 500 is out', async () => {
    await expectInterpreterDeath({ ...target, exited: server.exited }, '/exit-before', {
      afterHeaders: false,
      reason: 'The Python interpreter stopped serving: the app raised SystemExit(3)',
    });
  });
});

/**
 * A streamed body's pooled buffers under `deno serve` go back to the pool by what Deno's server is known
 * to hold (src/targets/deno/stream-response.ts): these read `/slow` (chunk i all i & 0xff) slowly and check
 * every byte, so a buffer reused before Deno had sent it shows as a wrong byte: over HTTP/1.1 and HTTP/2
 * (where hyper buffers more behind what it took), and under a handler that reads the body
 * itself before answering (its chunks must not be reused at all). With Deno held to no bytes at all
 * (DENO_HELD_BYTES 0) the HTTP/1.1 and HTTP/2 cases each failed on a wrong byte.
 */
describe('Python bodies streamed through pooled buffers under deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(ENTRY, PERMISSIONS, FROM_SNAPSHOT);
  });
  afterAll(() => server?.stop());
  const closesOf = async (id: string): Promise<{ produced: number; closes: number }> => {
    for (let i = 0; ; i++) {
      const state = await (await fetch(new URL(`/state?id=${id}`, server.url))).json() as { produced: number; closes: number };
      if (state.closes > 0 || i === 250) return state;
      await sleep(20);
    }
  };

  /**
   * Reads a `/slow` body, pausing 20 ms every 32 pieces, so that the server's socket is often full and
   * Deno's writer waits with a piece of a buffer in hand: the bytes received, and the first wrong one.
   */
  const readSlowly = (body: Readable) => new Promise<{ received: number; wrong: string | undefined }>((resolve, reject) => {
    const wrong = wrongBytes();
    let received = 0;
    let pieces = 0;
    body.on('data', (piece: Buffer) => {
      wrong.check(piece);
      received += piece.length;
      if (++pieces % 32 === 0) {
        body.pause();
        setTimeout(() => body.resume(), 20);
      }
    });
    body.once('end', () => resolve({ received, wrong: wrong.first }));
    body.once('error', reject);
  });

  it('over HTTP/1.1 with a Content-Length (written from the chunk, not copied into chunked framing), a reader that keeps the socket full gets every byte of 32 MiB, and close() runs once', { timeout: 60_000 }, async () => {
    const id = `h1-${Date.now().toString(36)}`;
    const chunks = 512;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      http.get(new URL(`/slow?id=${id}&chunks=${chunks}&length=1`, server.url), { headers: { 'accept-encoding': 'identity' }, agent: false }, resolve).once('error', reject);
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(chunks * SLOW_CHUNK));
    expect(await readSlowly(response)).toEqual({ received: chunks * SLOW_CHUNK, wrong: undefined });
    expect(await closesOf(id)).toMatchObject({ produced: chunks, closes: 1 });
  });

  it('two bodies streamed at once through the app\'s one pool, each read slowly, get every byte, and each close() runs once', { timeout: 60_000 }, async () => {
    const chunks = 256;
    const ids = [0, 1].map((i) => `both${i}-${Date.now().toString(36)}`);
    const responses = await Promise.all(ids.map((id) => new Promise<IncomingMessage>((resolve, reject) => {
      http.get(new URL(`/slow?id=${id}&chunks=${chunks}&length=1`, server.url), { headers: { 'accept-encoding': 'identity' }, agent: false }, resolve).once('error', reject);
    })));
    const read = await Promise.all(responses.map(readSlowly));
    expect(read).toEqual([0, 1].map(() => ({ received: chunks * SLOW_CHUNK, wrong: undefined })));
    for (const id of ids) expect(await closesOf(id)).toMatchObject({ produced: chunks, closes: 1 });
  });

  it('over HTTP/2 (prior knowledge), a slow reader gets every byte of 32 MiB, and close() runs once', { timeout: 60_000 }, async () => {
    const id = `h2-${Date.now().toString(36)}`;
    const chunks = 512;
    const session = http2.connect(server.url);
    try {
      const stream = session.request({ ':path': `/slow?id=${id}&chunks=${chunks}`, 'accept-encoding': 'identity' });
      expect(await readSlowly(stream)).toEqual({ received: chunks * SLOW_CHUNK, wrong: undefined });
    } finally {
      session.close();
    }
    expect(await closesOf(id)).toMatchObject({ produced: chunks, closes: 1 });
  });

  it('over HTTP/2, a stream reset mid-body ends in close() once, and the next request is served', { timeout: 60_000 }, async () => {
    const id = `h2-gone-${Date.now().toString(36)}`;
    const session = http2.connect(server.url);
    try {
      const stream = session.request({ ':path': `/slow?id=${id}&chunks=4096`, 'accept-encoding': 'identity' });
      await new Promise<void>((resolve, reject) => {
        let received = 0;
        stream.on('data', (piece: Buffer) => {
          received += piece.length;
          if (received >= 4 * 1024 * 1024) {
            stream.close(http2.constants.NGHTTP2_CANCEL);
            resolve();
          }
        });
        stream.once('error', reject);
      });
    } finally {
      session.close();
    }
    const after = await closesOf(id);
    expect(after.closes).toBe(1);
    expect(after.produced).toBeLessThan(4096);
    const next = await fetch(new URL('/hello', server.url));
    expect(await next.text()).toBe('hello');
  });

  it('a handler that reads the body before answering gets every byte of 8 MiB (no buffer reused under it), and close() runs once', { timeout: 60_000 }, async () => {
    const id = `collect-${Date.now().toString(36)}`;
    const chunks = 128;
    const response = await fetch(new URL(`/slow?id=${id}&chunks=${chunks}&wrap=collect`, server.url), { headers: { 'Accept-Encoding': 'identity' } });
    expect(response.status).toBe(200);
    const body = new Uint8Array(await response.arrayBuffer());
    const wrong = wrongBytes();
    wrong.check(body);
    expect(wrong.first).toBeUndefined();
    expect(body.length).toBe(chunks * SLOW_CHUNK);
    expect(await closesOf(id)).toMatchObject({ produced: chunks, closes: 1 });
  });
});

describe('Python faults: a wasm stack overflow under deno serve', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(ENTRY, PERMISSIONS, FROM_SNAPSHOT);
  });
  afterAll(() => server?.stop());

  it('answers 500 and the process exits with one line naming the RangeError', async () => {
    await expectInterpreterDeath({ name: 'overflow', baseUrl: () => server.url, output: () => server.output(), exited: server.exited }, '/overflow-before', {
      afterHeaders: false,
      reason: 'The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded',
    });
  });
});

describe('Python apps that cannot load, under deno serve', () => {
  it('stop deno serve before it listens, with the message naming the module and sys.path', { timeout: 120_000 }, async () => {
    const broken = resolve('test/faults/python/broken');
    const child = spawn(DENO, ['serve', ...PERMISSIONS, '--host', '127.0.0.1', '--port', '0', ENTRY], {
      env: quietDenoEnv({ FAULT_APP: 'import_error:application', FAULT_PATH: broken }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
    child.stderr.on('data', (data: Buffer) => { output += data.toString(); });
    const status = await new Promise<number | null>((done) => child.once('close', done));
    expect(status).not.toBe(0);
    expect(output).not.toContain('Listening on');
    expect(output).toContain(
      `wsgi-edge: cannot load the Python app "import_error:application": Importing 'import_error' failed ` +
      `(RuntimeError: fault-at-import); sys.path is ['${broken}', `,
    );
  });
});
