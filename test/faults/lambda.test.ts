/**
 * The fault cases on the Lambda target under aws-lambda-ric, both invoke modes, with the conformance
 * fixture (test/lambda/fixtures/conformance.ts: `conformanceApp` behind `handle` and `streamHandle`,
 * its close counts read through the fixture's loopback control server), driven through the Runtime API
 * server of test/lambda/runtime-api.ts as test/lambda/conformance.test.ts does.
 *
 * Lambda runs the app to its end whatever the client does, so a client gone mid-stream still ends in
 * exactly one `close()`. A request body cut short cannot happen here: a function URL invokes the
 * function only with the whole body inside the event. A slow reader is Lambda's own service's concern
 * (it takes the stream from the runtime), not the gateway's: neither case has a Lambda form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConformanceFixture, buildTaskRoot, startWithControl, type TaskRoot } from '../lambda/build.ts';
import { functionUrlFetch } from '../lambda/function-url.ts';
import { closeAll, type LambdaFunction } from '../lambda/runtime-api.ts';

const BASE = 'http://fn-id.lambda-url.us-east-1.on.aws';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let nextId = 0;
const uniqueId = (label: string) => `${label}-${Date.now().toString(36)}-${nextId++}`;

let root: TaskRoot;
const fns: Record<'streaming' | 'buffered', LambdaFunction | undefined> = { streaming: undefined, buffered: undefined };


beforeAll(async () => {
  root = await buildTaskRoot();
  await buildConformanceFixture(root);
  fns.streaming = await startWithControl(root, 'conformance.streamingHandler');
  fns.buffered = await startWithControl(root, 'conformance.handler');
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

for (const mode of ['streaming', 'buffered'] as const) {
  describe(`faults: Lambda function URL, ${mode}`, () => {
    const fn = () => fns[mode]!;
    const client = functionUrlFetch(fn, mode, { sourceIp: '198.51.100.7' });
    const send = (pathAndQuery: string, init: RequestInit = {}): Promise<Response> => client(new Request(BASE + pathAndQuery, init));
    const closeCount = async (id: string): Promise<number> => {
      const response = await fetch(`http://127.0.0.1:${fn().progress.get('control')}/close-count?id=${id}`);
      return (await response.json() as { count: number }).count;
    };
    const closedCount = async (id: string): Promise<number> => {
      let count = 0;
      for (let i = 0; i < 250 && (count = await closeCount(id)) === 0; i++) await sleep(20);
      return count;
    };
    const servesNext = async () => {
      const response = await send('/hello');
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('hello');
    };

    it(`${mode}: a client gone mid-response: the app runs to its end, close() runs once, the next request is served`, async () => {
      const id = uniqueId('gone');
      const response = await send(`/close?id=${id}&chunks=1000`, { headers: { 'Accept-Encoding': 'identity' } });
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      await reader.cancel();
      expect(await closedCount(id)).toBe(1);
      await servesNext();
    });

    it(`${mode}: the app failing before headers answers 500 without the message, and the next request is served`, async () => {
      const response = await send('/error-before');
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain('secret-detail');
      await servesNext();
    });

    it(`${mode}: the app failing after headers ends in close() once, and the next request is served`, async () => {
      const id = uniqueId('after');
      const response = await send(`/error-after?id=${id}`, { headers: { 'Accept-Encoding': 'identity' } });
      expect(response.status).toBe(mode === 'buffered' ? 500 : 200);
      await response.text().catch(() => undefined);
      expect(await closedCount(id)).toBe(1);
      await servesNext();
    });
  });
}
