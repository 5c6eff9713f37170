/**
 * The requests a server prepares together (`TurnBatch`) reach a Python app in one call into Pyodide
 * (src/python/call-batch.ts, `Gateway.call_batch`): every answer, log line and failure must be what the
 * same request gets served alone. test/python/batch/batch_app.py says in a header whether each app ran
 * in a batch, so the suite also checks that the batch happened. A request's platform objects (as
 * `deno.info` is on Deno) go with its batch, and Python keeps its proxies of them no longer than their
 * request; it keeps proxies of `PROXY_MAP_ANCHORS` objects of the bridge's own for good (bridge.ts says
 * why).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dispatch, prepareDispatch } from '../../src/core/gateway.ts';
import { toResponse, type WsgiResult } from '../../src/core/result.ts';
import { TurnBatch } from '../../src/core/turn-batch.ts';
import type { GatewayOptions, WsgiApp } from '../../src/core/types.ts';
import { PROXY_MAP_ANCHORS } from '../../src/python/bridge.ts';
import { loadPythonApp } from '../../src/python/index.ts';
import { loadPyodideOf, PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';

const ROUTES = ['/hello', '/length', '/short', '/latin', '/newline', '/write', '/replace', '/fails', '/stream', '/object', '/logs'];
/** Each route twice (a status and header names the core took once are then kept by Python), interleaved. */
const PATHS = [...ROUTES, ...[...ROUTES].reverse()];

interface Answer {
  status: number;
  headers: [string, string][];
  body: string;
  log: string;
}

interface Served {
  answer: Answer;
  /** The app's own word on where it ran: `yes` inside `call_batch`, `no` outside, null when its headers never went out. */
  batched: string | null;
}

function requestFor(path: string, i: number, logs: string[]): { request: Request; options: GatewayOptions } {
  logs[i] = '';
  return {
    request: new Request(`http://localhost${path}`),
    options: {
      errors: (line) => void (logs[i] += `${line}\n`),
      // A platform object, as `deno.info` is on Deno.
      ...(path === '/object' && { environ: { 'test.object': { name: `the object of request ${i}` } } }),
    },
  };
}

async function read(result: WsgiResult | Promise<WsgiResult>, log: () => string): Promise<Served> {
  const response = toResponse(await result);
  const body = await response.text();
  const batched = response.headers.get('x-batched');
  response.headers.delete('x-batched');
  // The JavaScript frames of a logged stack depend on who called the core, not on the answer.
  const logged = log().replace(/\n\s+at [^\n]*/g, '');
  return { answer: { status: response.status, headers: [...response.headers], body, log: logged }, batched };
}

/** Each path served on its own, one after another. */
async function alone(app: WsgiApp, paths: readonly string[]): Promise<Served[]> {
  const logs: string[] = [];
  const served: Served[] = [];
  for (const [i, path] of paths.entries()) {
    const { request, options } = requestFor(path, i, logs);
    served.push(await read(dispatch(app, request, options), () => logs[i]!));
  }
  return served;
}

/** Every path in one turn's batch, as the Node simple server and the Deno target serve them. */
async function together(app: WsgiApp, paths: readonly string[]): Promise<Served[]> {
  const logs: string[] = [];
  let runTurn: (() => void) | undefined;
  const batch = new TurnBatch((run) => void (runTurn = run));
  const results = paths.map((path, i) => new Promise<WsgiResult>((resolve, reject) => {
    const { request, options } = requestFor(path, i, logs);
    batch.add(() => {
      const run = prepareDispatch(app, request, options);
      return () => {
        const result = run();
        return () => resolve(result);
      };
    }, reject);
  }));
  runTurn!();
  return Promise.all(results.map((result, i) => read(result, () => logs[i]!)));
}

/** How many JavaScript values Python holds proxies of (Pyodide's count of its references). */
type ProxyCount = () => number;

describe.each(PYODIDE_VERSIONS)('a batch of requests to a Python app, Pyodide $name', (version) => {
  let app: WsgiApp;
  let proxies: ProxyCount;
  beforeAll(async () => {
    const pyodide = await loadPyodideOf(version);
    const module = (pyodide as unknown as { _module: { _hiwire_num_refs: ProxyCount } })._module;
    proxies = () => module._hiwire_num_refs();
    app = await loadPythonApp({ app: 'batch_app:application', path: ['test/python/batch'], pyodide });
  });

  it('answers, logs and fails each request as it does served alone', async () => {
    const batched = await together(app, PATHS);
    const single = await alone(app, PATHS);
    expect(batched.map((served) => served.answer)).toEqual(single.map((served) => served.answer));
    // What the answers are: a kept start_response, a write(), exc_info, failures and the core's refusals.
    const byPath = new Map(PATHS.map((path, i) => [path, batched[i]!.answer]));
    expect(byPath.get('/hello')).toMatchObject({ status: 200, body: 'hello' });
    expect(byPath.get('/length')).toMatchObject({ status: 201, body: 'sized' });
    expect(byPath.get('/short')).toMatchObject({ status: 500 });
    expect(byPath.get('/short')!.log).toContain('declared Content-Length 9 but its body has 5 bytes');
    expect(byPath.get('/latin')!.body).toBe('caf\ufffd');
    expect(byPath.get('/newline')).toMatchObject({ status: 500 });
    expect(byPath.get('/newline')!.log).toContain('must have a latin-1 value without control characters');
    expect(byPath.get('/write')!.body).toBe('written, then returned');
    expect(byPath.get('/replace')).toMatchObject({ status: 503, body: 'replaced' });
    expect(byPath.get('/fails')).toMatchObject({ status: 500 });
    expect(byPath.get('/fails')!.body).not.toContain('the app failed');
    expect(byPath.get('/fails')!.log).toContain('RuntimeError: the app failed');
    expect(byPath.get('/stream')!.body).toHaveLength(64 * 4096);
    expect(byPath.get('/logs')!.log).toBe('a line for the log\n');
    expect(PATHS.flatMap((path, i) => (path === '/object' ? [batched[i]!.answer.body] : []))).toEqual([`the object of request ${PATHS.indexOf('/object')}`, `the object of request ${PATHS.lastIndexOf('/object')}`]);
  });

  it('runs the apps of the requests prepared together in one call, with their platform objects; served alone, on their own', async () => {
    const answered = PATHS.map((path, i) => [path, i] as const).filter(([path]) => !['/short', '/newline', '/fails'].includes(path));
    const batched = await together(app, PATHS);
    const single = await alone(app, PATHS);
    expect(answered.map(([path, i]) => [path, batched[i]!.batched])).toEqual(answered.map(([path]) => [path, 'yes']));
    expect(answered.map(([path, i]) => [path, single[i]!.batched])).toEqual(answered.map(([path]) => [path, 'no']));
  });

  it('keeps proxies of a batch\'s platform objects no longer than the batch, and the bridge\'s anchors for good', async () => {
    // A first batch binds the host and makes the anchors, whether or not the suite's other tests ran.
    await together(app, ['/hello']);
    const before = proxies();
    expect(before).toBeGreaterThanOrEqual(PROXY_MAP_ANCHORS);
    const objectPaths = Array.from({ length: 40 }, () => '/object');
    await together(app, objectPaths);
    expect(proxies()).toBe(before);
    await together(app, objectPaths);
    await together(app, PATHS);
    expect(proxies()).toBe(before);
  });
});
