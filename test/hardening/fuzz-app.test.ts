/**
 * Generated apps: a script of startResponse / write / yield / throw / delay steps, run sync or async,
 * before or inside the body iterable, with a close() that may throw. Whatever the script does, the
 * gateway must call close() exactly once, answer with the app's status or 500, keep CR/LF out of
 * headers, deliver exactly the chunks emitted when nothing failed, and log every failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handle, type Chunk, type HeaderPair, type StartResponse, type WsgiApp } from '../../src/index.ts';

type Step =
  | { kind: 'start'; status: string; headers: HeaderPair[]; withExcInfo: boolean }
  | { kind: 'write'; chunk: Chunk }
  | { kind: 'yield'; chunk: Chunk }
  | { kind: 'throw' }
  | { kind: 'delay' };

interface Script {
  /** Steps run in the app call itself, before it returns the iterable. */
  before: Step[];
  /** Steps run inside the body iterable. */
  inside: Step[];
  asyncBody: boolean;
  closeThrows: boolean;
}

const goodStatus = fc.constantFrom('200 OK', '201 Created', '404 Not Found', '418 I\'m a teapot', '503 Busy');
const badStatus = fc.constantFrom('200', 'OK 200', '200 OK\r\nX: 1', '99 Low', '200\tOK', '');
const goodHeader = fc.tuple(fc.constantFrom('X-A', 'Set-Cookie', 'Content-Type', 'x-b'), fc.string({ maxLength: 8, unit: fc.constantFrom('a', ' ', '=', '\t', 'é') }));
const badHeader = fc.constantFrom<HeaderPair>(['X-Bad', 'a\r\nInjected: 1'], ['X-Bad', 'a\nb'], ['Bad Name', 'v'], ['Connection', 'close'], ['X-Wide', '\u2028']);
const chunk: fc.Arbitrary<Chunk> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.uint8Array({ maxLength: 6 }),
  fc.constant(''),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('start' as const),
    status: fc.oneof({ weight: 4, arbitrary: goodStatus }, { weight: 1, arbitrary: badStatus }),
    headers: fc.array(fc.oneof({ weight: 6, arbitrary: goodHeader.map((h): HeaderPair => h) }, { weight: 1, arbitrary: badHeader }), { maxLength: 3 }),
    withExcInfo: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write' as const), chunk }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('yield' as const), chunk }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'throw' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delay' as const }) },
);
const script: fc.Arbitrary<Script> = fc.record({
  before: fc.array(step.filter((s) => s.kind !== 'yield'), { maxLength: 3 }),
  inside: fc.array(step, { maxLength: 6 }),
  asyncBody: fc.boolean(),
  closeThrows: fc.boolean(),
});

const encoder = new TextEncoder();
const bytesOf = (c: Chunk) => (typeof c === 'string' ? encoder.encode(c) : c);

/** Runs a script as an app, recording what it emitted and whether anything went wrong on its side. */
function scriptedApp(s: Script) {
  const record = { closes: 0, emitted: [] as Uint8Array[], failed: false, returned: false, statuses: [] as number[] };
  const fail = new Error('scripted failure');
  const run = (step: Step, startResponse: StartResponse, write: { fn?: (c: Chunk) => void }): Chunk | undefined => {
    switch (step.kind) {
      case 'start':
        try {
          write.fn = startResponse(step.status, step.headers, step.withExcInfo ? fail : undefined);
          record.statuses.push(Number(step.status.slice(0, 3)));
        } catch (error) {
          record.failed = true;
          throw error;
        }
        return undefined;
      case 'write':
        if (!write.fn) return undefined;
        write.fn(step.chunk);
        record.emitted.push(bytesOf(step.chunk));
        return undefined;
      case 'yield':
        return step.chunk;
      case 'throw':
        record.failed = true;
        throw fail;
      case 'delay':
        return undefined;
    }
  };
  const app: WsgiApp = (_environ, startResponse) => {
    const write: { fn?: (c: Chunk) => void } = {};
    for (const step of s.before) run(step, startResponse, write);
    const close = () => {
      record.closes++;
      if (s.closeThrows) throw new Error('close failed');
    };
    record.returned = true;
    if (s.asyncBody) {
      return Object.assign((async function* () {
        for (const step of s.inside) {
          if (step.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, 1));
          const out = run(step, startResponse, write);
          if (out !== undefined) { record.emitted.push(bytesOf(out)); yield out; }
        }
      })(), { close });
    }
    return Object.assign((function* () {
      for (const step of s.inside) {
        const out = run(step, startResponse, write);
        if (out !== undefined) { record.emitted.push(bytesOf(out)); yield out; }
      }
    })(), { close });
  };
  return { app, record };
}

/** Whether the gateway must see the script as failing on its own: body data before any startResponse. */
function dataBeforeStart(s: Script): boolean {
  let started = false;
  for (const step of [...s.before, ...s.inside]) {
    if (step.kind === 'start') started = true;
    // A script's write() before any startResponse has no write callable, so it emits nothing.
    if (step.kind === 'yield' && bytesOf(step.chunk).length > 0 && !started) return true;
    if (step.kind === 'throw') return false;
  }
  return !started;
}

async function drain(response: Response): Promise<{ body: Uint8Array; aborted: boolean }> {
  const chunks: Uint8Array[] = [];
  if (!response.body) return { body: new Uint8Array(0), aborted: false };
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    return { body: Buffer.concat(chunks), aborted: true };
  }
  return { body: Buffer.concat(chunks), aborted: false };
}

describe('generated apps through handle()', () => {
  it('keep every gateway invariant (fast-check; the seed is printed on failure)', async () => {
    await fc.assert(fc.asyncProperty(script, fc.constantFrom('GET', 'HEAD', 'POST'), async (s, method) => {
      const { app, record } = scriptedApp(s);
      const log: string[] = [];
      const response = await handle(app, new Request('http://example.test/', { method }), { errors: (line) => log.push(line) });
      const { body, aborted } = await drain(response);
      await new Promise((resolve) => setTimeout(resolve, 0));

      // An app that threw before returning has no iterable to close; any iterable is closed exactly once.
      expect(record.closes).toBe(record.returned ? 1 : 0);
      expect([...record.statuses, 500]).toContain(response.status);
      for (const [, value] of response.headers) expect(value).not.toMatch(/[\r\n]/);

      const failed = record.failed || dataBeforeStart(s) || s.closeThrows;
      if (failed) expect(log.length).toBeGreaterThan(0);
      if (!failed) {
        expect(aborted).toBe(false);
        expect(response.status).toBe(record.statuses.at(-1));
        const noBody = method === 'HEAD' || [204, 205, 304].includes(response.status);
        expect(Buffer.from(body).toString('hex')).toBe(noBody ? '' : Buffer.concat(record.emitted).toString('hex'));
        expect(log).toEqual([]);
      }
    }), { numRuns: 1000 });
  });
});
