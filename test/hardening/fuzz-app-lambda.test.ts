/**
 * Generated apps through the Lambda target under the real aws-lambda-ric, in both invoke modes, driven
 * through the Runtime API server of test/lambda/runtime-api.ts: the property of wire-property.ts. What
 * Lambda's front end would put on the client's wire is what the runtime sent back, so that is judged:
 * the buffered result object (status, header map and cookies, body), or the streamed prelude, body and
 * error trailers (an error trailer is a response cut short). Each `wsgi.errors` message is filed in the
 * run's record (test/hardening/lambda-fixture.ts) and must also be on the runtime's output, as a
 * powertools JSON line at level ERROR carrying the invocation's request id.
 * Replay a printed failure with FC_SEED / FC_PATH (app-script-arbitraries.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTaskRoot, bundleFixture, startWithControl, type TaskRoot } from '../lambda/build.ts';
import { requestToEvent, type Payload } from '../lambda/function-url.ts';
import { closeAll, type LambdaFunction, type Outcome } from '../lambda/runtime-api.ts';
import type { RunState } from './script-fixture.ts';
import { assertWireProperty, type WireResponse, type WireTarget } from './wire-property.ts';

const BASE = 'http://fn-id.lambda-url.us-east-1.on.aws';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let root: TaskRoot;
const fns: Record<'streaming' | 'buffered', LambdaFunction | undefined> = { streaming: undefined, buffered: undefined };

beforeAll(async () => {
  root = await buildTaskRoot();
  await bundleFixture(root, 'test/hardening/lambda-fixture.ts', 'fuzz-app');
  fns.streaming = await startWithControl(root, 'fuzz-app.streamingHandler');
  fns.buffered = await startWithControl(root, 'fuzz-app.handler');
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

/** `name: value` lines from a result's or prelude's header map and cookies, as the front end would send them. */
function headerLines(source: { headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]>; cookies?: string[] }): Uint8Array[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(source.headers ?? {})) lines.push(`${name}: ${value}`);
  for (const [name, values] of Object.entries(source.multiValueHeaders ?? {})) for (const value of values) lines.push(`${name}: ${value}`);
  for (const cookie of source.cookies ?? []) lines.push(`set-cookie: ${cookie}`);
  return lines.map((line) => Buffer.from(line, 'utf8'));
}

function fromOutcome(outcome: Outcome): WireResponse {
  if (outcome.kind === 'response') {
    const payload = outcome.payload as Payload;
    const body = payload.isBase64Encoded ? Buffer.from(payload.body, 'base64') : Buffer.from(payload.body ?? '', 'utf8');
    return { status: payload.statusCode, headerLines: headerLines(payload), body, cutShort: false };
  }
  if (outcome.kind === 'stream') {
    const prelude = outcome.prelude as { statusCode?: number; headers?: Record<string, string>; cookies?: string[] } | undefined;
    // No prelude: nothing a client could be told, as on a connection closed before the head.
    if (prelude?.statusCode === undefined) return { status: 0, headerLines: [], body: outcome.body, cutShort: true };
    return { status: prelude.statusCode, headerLines: headerLines(prelude), body: outcome.body, cutShort: outcome.error !== undefined };
  }
  // An invocation error, a timeout: the client would get a bare 502 from the front end, never the app's.
  throw new Error(`The invocation ended as ${JSON.stringify(outcome).slice(0, 2000)}`);
}

/** Each filed message must be on the runtime's output as a powertools ERROR line of this invocation. */
async function loggedByRuntime(fn: LambdaFunction, id: string, state: RunState): Promise<void> {
  const lines = () => fn.logs.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { level?: string; message?: string; function_request_id?: string };
      return entry.function_request_id === id && entry.level === 'ERROR' ? [entry.message ?? ''] : [];
    } catch {
      return [];
    }
  });
  for (let i = 0; i < 250 && lines().length < state.log.length; i++) await sleep(20);
  expect(lines(), `runtime output for ${id}`).toEqual(state.log);
}

for (const mode of ['streaming', 'buffered'] as const) {
  describe(`generated apps: Lambda function URL, ${mode}`, () => {
    const fn = () => fns[mode]!;
    const target: WireTarget = {
      name: `lambda-${mode}`,
      // Streaming: the runtime ends a failed stream with error trailers. Buffered: nothing has left the
      // function when the app fails after its headers, so the client gets the gateway's 500 instead.
      failedBody: mode === 'streaming' ? 'aborted' : 'replaced',
      numRuns: 100,
      async send(method, id, encoded) {
        const event = await requestToEvent(new Request(`${BASE}/run?id=${id}&s=${encoded}`, { method }), { sourceIp: '198.51.100.7' });
        const options = { timeoutMs: 20_000, requestId: id };
        return fromOutcome(mode === 'streaming' ? await fn().invokeStream(event, options).outcome : await fn().invoke(event, options));
      },
      async state(id) {
        // Read each time: a runtime restarted after a deadline reports its new control port.
        const response = await fetch(`http://127.0.0.1:${fn().progress.get('control')}/state?id=${id}`);
        return await response.json() as RunState;
      },
      checkLog: (id, state) => loggedByRuntime(fn(), id, state),
    };

    it(`${mode}: keeps every gateway invariant (fast-check; the seed is printed on failure)`, async () => {
      await assertWireProperty(target);
    }, 90_000);
  });
}
