/**
 * streamHandle() under the real runtime client: the exact bytes of the prelude and body, progressive
 * delivery, backpressure, error trailers, deadlines; and the deployable bundle of the seed app in
 * both invoke modes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTaskRoot, type TaskRoot } from './build.ts';
import { closeAll, startFunction, type LambdaFunction, type Outcome } from './runtime-api.ts';

type Event = Record<string, unknown>;
const load = (name: string): Event => JSON.parse(readFileSync(`test/lambda/events/${name}.json`, 'utf8'));
const furl = (rawPath: string, rawQueryString = ''): Event => ({ ...load('furl.capture.get-root'), rawPath, rawQueryString });
const NULS = Buffer.alloc(8);
const PRELUDE_TYPE = 'application/vnd.awslambda.http-integration-response';

let root: TaskRoot;
let streaming: LambdaFunction;
let buffered: LambdaFunction;
beforeAll(async () => {
  root = await buildTaskRoot();
  [streaming, buffered] = await Promise.all([
    startFunction({ taskRoot: root.dir, handler: 'fixtures.streamingHandler' }),
    startFunction({ taskRoot: root.dir, handler: 'fixtures.handler' }),
  ]);
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

type Streamed = Extract<Outcome, { kind: 'stream' }>;
function streamed(outcome: Outcome): Streamed {
  if (outcome.kind !== 'stream') throw new Error(`Expected a streamed response, got ${JSON.stringify(outcome).slice(0, 500)}`);
  return outcome;
}

/** Reads `body` until `text` has arrived; returns everything read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string, seen = ''): Promise<string> {
  const decoder = new TextDecoder();
  while (!seen.includes(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`Stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(seen)}`);
    seen += decoder.decode(value, { stream: true });
  }
  return seen;
}

describe('the wire format', () => {
  test('prelude JSON, eight NUL bytes, then the body, on a streaming POST', async () => {
    const outcome = streamed(await streaming.invoke(furl('/cookies')));
    expect(outcome.headers['lambda-runtime-function-response-mode']).toBe('streaming');
    expect(outcome.contentType).toBe(PRELUDE_TYPE);
    const prelude = {
      statusCode: 200,
      headers: { 'content-length': '7', 'content-type': 'text/plain', vary: 'Accept, Cookie' },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly', 'c=3, with comma; Expires=Wed, 21 Oct 2026 07:28:00 GMT'],
    };
    expect(outcome.raw).toEqual(Buffer.concat([Buffer.from(JSON.stringify(prelude)), NULS, Buffer.from('cookies')]));
    expect(outcome.error).toBeUndefined();
  });

  test('an empty body (204) still sends the prelude and the delimiter, and nothing after', async () => {
    const outcome = streamed(await streaming.invoke(furl('/204')));
    const prelude = { statusCode: 204, headers: { 'x-empty': 'yes' }, cookies: [] };
    expect(outcome.raw).toEqual(Buffer.concat([Buffer.from(JSON.stringify(prelude)), NULS]));
  });

  test('binary bytes pass through unchanged (no base64 when streaming)', async () => {
    const outcome = streamed(await streaming.invoke(furl('/binary')));
    expect([...outcome.body]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0d, 0x0a]);
  });

  test('a body beyond the 6 MB buffered limit streams whole', async () => {
    const size = 8 * 1024 * 1024 + 5;
    const outcome = streamed(await streaming.invoke(furl('/big', `bytes=${size}`)));
    expect(outcome.prelude).toMatchObject({ statusCode: 200 });
    expect(outcome.body.length).toBe(size);
    expect(outcome.body.every((b) => b === 0x61)).toBe(true);
  });
});

/** The flood fixture's chunk size (test/lambda/fixtures/handlers.ts). */
const CHUNK = 64 * 1024;

/** Bytes a TCP connection's two buffers can grow to under Linux's autotuning (the max of tcp_rmem and of tcp_wmem). */
function loopbackBufferCeiling(): number {
  const max = (name: string) => Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
  return max('tcp_rmem') + max('tcp_wmem');
}

describe('delivery', () => {
  test('a chunk reaches the client before the app produces the next one', async () => {
    const live = streaming.invokeStream(furl('/stream', 'gate=progressive'));
    expect(await live.prelude).toMatchObject({ statusCode: 200 });
    const reader = live.body.getReader();
    // The app is blocked on the gate until this chunk arrived: buffering would never get here.
    const first = await readUntil(reader, 'first;');
    expect(first).toBe('first;');
    streaming.release('progressive');
    expect(await readUntil(reader, 'third', first)).toBe('first;second;third');
    expect(streamed(await live.outcome).error).toBeUndefined();
  });

  test('writes wait for drain: a reader that stops reading stops the app', async () => {
    // What may leave the app before backpressure reaches it: the kernel's buffers of the loopback
    // connection at their largest (up to 36 MiB on a stock Linux), then a few chunks more in Node's streams.
    const heldAtMost = Math.ceil(loopbackBufferCeiling() / CHUNK) + 64;
    const chunks = Math.max(1024, 2 * heldAtMost); // all of them, if nothing held the app back
    streaming.paused = true;
    const live = streaming.invokeStream(furl('/flood', `chunks=${chunks}`));
    await live.prelude;
    // Let the app run against the stopped reader; without backpressure it would produce everything.
    let last = -1;
    for (let i = 0; i < 40 && streaming.progress.get('flood') !== last; i++) {
      last = streaming.progress.get('flood') ?? -1;
      await new Promise((r) => setTimeout(r, 150));
    }
    const produced = streaming.progress.get('flood') ?? 0;
    streaming.resume();
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(heldAtMost);
    const outcome = streamed(await live.outcome);
    expect(outcome.body.length).toBe(chunks * CHUNK);
    expect(streaming.progress.get('flood')).toBe(chunks);
  });
});

describe('errors', () => {
  test('an error after headers fails the invocation: runtime error trailers, no error text in the body', async () => {
    const live = streaming.invokeStream(furl('/fail-after', 'gate=fail1'));
    const reader = live.body.getReader();
    await readUntil(reader, 'partial;');
    streaming.release('fail1');
    await expect(reader.read().then(() => reader.read())).rejects.toThrow(/Runtime error trailer: Error/);
    const outcome = streamed(await live.outcome);
    expect(outcome.prelude).toMatchObject({ statusCode: 200 });
    expect(outcome.body.toString()).toBe('partial;');
    expect(outcome.trailers['lambda-runtime-function-error-type']).toBe('Error');
    expect(outcome.error?.body).toMatchObject({ errorType: 'Error', errorMessage: 'boom after headers' });
    expect(outcome.headers.trailer).toContain('Lambda-Runtime-Function-Error-Type');
    await streaming.waitForLog(/after headers were sent/);
  });

  test('an error before headers: a plain 500 through the prelude, no trailers', async () => {
    const outcome = streamed(await streaming.invoke(furl('/fail-before')));
    expect(outcome.prelude).toMatchObject({ statusCode: 500 });
    expect(outcome.body.toString()).toBe('A server error occurred.  Please contact the administrator.');
    expect(outcome.error).toBeUndefined();
  });

  test('the next invocation after a failed one is served normally', async () => {
    const outcome = streamed(await streaming.invoke(furl('/cookies')));
    expect(outcome.body.toString()).toBe('cookies');
  });
});

describe('deadlines', () => {
  test('streaming: what was sent before the deadline arrived; a fresh runtime serves the next call', async () => {
    const outcome = await streaming.invoke(furl('/hang'), { timeoutMs: 1500 });
    expect(outcome.kind).toBe('timeout');
    if (outcome.kind === 'timeout') expect(outcome.partial.toString()).toContain('before the deadline;');
    expect(streamed(await streaming.invoke(furl('/cookies'))).body.toString()).toBe('cookies');
  });

  test('buffered: nothing is sent before the body is complete; the next call works', async () => {
    const outcome = await buffered.invoke(furl('/hang'), { timeoutMs: 1500 });
    expect(outcome).toMatchObject({ kind: 'timeout' });
    if (outcome.kind === 'timeout') expect(outcome.partial.length).toBe(0);
    const next = await buffered.invoke(furl('/cookies'));
    expect(next).toMatchObject({ kind: 'response', payload: { statusCode: 200, body: 'cookies' } });
  });
});

describe('the deployable bundle of the seed app (index.mjs)', () => {
  let seedBuffered: LambdaFunction;
  let seedStreaming: LambdaFunction;
  beforeAll(async () => {
    [seedBuffered, seedStreaming] = await Promise.all([
      startFunction({ taskRoot: root.dir, handler: 'index.handler' }),
      startFunction({ taskRoot: root.dir, handler: 'index.streamingHandler' }),
    ]);
  });

  const cases: [string, string, number, string][] = [
    ['/', '', 200, 'Welcome! Enter a string'],
    ['/encode', 'mystring=caf%C3%A9', 200, '<tt>&#x27;caf\u00e9&#x27;</tt> base64 encoded is: <tt>Y2Fmw6k=</tt>'],
    ['/encode', '', 400, 'requires a "mystring" parameter'],
    ['/nowhere', '', 404, 'That URL is not valid'],
  ];

  test.each(cases)('%s?%s answers %i in both invoke modes', async (path, query, status, text) => {
    const result = await seedBuffered.invoke(furl(path, query));
    expect(result.kind).toBe('response');
    const payload = (result as { payload: { statusCode: number; body: string; isBase64Encoded: boolean } }).payload;
    expect(payload.statusCode).toBe(status);
    expect(payload.isBase64Encoded).toBe(false);
    expect(payload.body).toContain(text);
    const stream = streamed(await seedStreaming.invoke(furl(path, query)));
    expect(stream.prelude).toMatchObject({ statusCode: status });
    expect(stream.body.toString('utf8')).toBe(payload.body);
  });
});
