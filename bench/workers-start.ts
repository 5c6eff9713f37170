/**
 * The Workers figures of the Python section: the folders `wsgi-edge build cloudflare` makes of the seed's
 * app and the Flask app (with and without the build's snapshot), bundled by `wrangler deploy --dry-run`
 * and each run `runs` times in a fresh workerd (miniflare): the upload size, the global scope's time
 * (Workers allow it one second), and the first request's time (Python restored inside it). The global
 * scope is timed inside the Worker by a line put before and after the bundle (workerd's local clock
 * advances while JavaScript runs, unlike Cloudflare's), read over the inspector: miniflare's own start
 * (it hands workerd the 20-40 MB of modules) says nothing about the Worker. Then, from the snapshot,
 * the isolate's memory after 1,000 requests, read over the inspector: V8's JavaScript heap, the
 * ArrayBuffers' backing stores (the Data modules among them) and Pyodide's linear memory (every
 * `WebAssembly.Memory`); Workers allow 128 MB per isolate.
 * @module
 */

import { join } from 'node:path';
import { buildWorker, startWorker, type BuiltWorker } from '../test/cloudflare/workerd.ts';
import { encodePage, ROUTES } from './apps/shared.ts';
import { freePort, log } from './lib.ts';
import { buildArtifact, type BuildableApp } from './python-start.ts';
import type { PythonPaths } from './python.ts';
import type { WorkersMemory, WorkersPackageLine } from './types.ts';

const MEMORY_REQUESTS = 1000;
const STARTED = '__wsgiEdgeBenchGlobalScopeStarted';
const ENDED = '__wsgiEdgeBenchGlobalScopeMs';

/** Each app's Worker, with and without its snapshot; memory after MEMORY_REQUESTS for the snapshot ones (and `memoryOnly` apps). */
export async function workersPackages(apps: readonly BuildableApp[], memoryOnly: readonly (BuildableApp & { route: string })[], paths: PythonPaths, runs: number): Promise<WorkersPackageLine[]> {
  log('-- Workers package of a Python app (wsgi-edge build cloudflare), in workerd');
  const lines: WorkersPackageLine[] = [];
  const targets = [
    ...apps.flatMap((app) => [true, false].map((snapshot) => ({ app, snapshot, route: ROUTES.encode, timed: true }))),
    ...memoryOnly.map((app) => ({ app, snapshot: true, route: app.route, timed: false })),
  ];
  for (const { app, snapshot, route, timed } of targets) {
    const line: WorkersPackageLine = { app: app.id, label: `${appLabel(app.id)}, ${snapshot ? 'from its snapshot' : 'no snapshot'}`, snapshot, measured: false };
    lines.push(line);
    if (app.unavailable) {
      line.reason = app.unavailable;
      continue;
    }
    try {
      const dir = join(paths.built, `workers-python-${app.id}${snapshot ? '' : '-no-snapshot'}`);
      buildArtifact(paths, 'cloudflare', app, snapshot, dir);
      const bundle = timedGlobalScope(await buildWorker(join(dir, 'wrangler.toml')));
      line.uploadBytes = bundle.bytes + bundle.modules.reduce((sum, module) => sum + module.contents.length, 0);
      if (timed) {
        line.globalScopeMs = [];
        line.firstRequestMs = [];
        for (let i = 0; i < runs; i++) {
          const { globalScopeMs, firstMs } = await coldStart(bundle, route);
          line.globalScopeMs.push(globalScopeMs);
          line.firstRequestMs.push(firstMs);
        }
      }
      if (snapshot) line.memory = await memoryAfter(bundle, route);
      line.measured = true;
      log(`  ${line.label.padEnd(40)} upload ${(line.uploadBytes / 2 ** 20).toFixed(1)} MiB` +
        (timed ? `, global scope ${line.globalScopeMs!.map(whole).join(', ')} ms, first request ${line.firstRequestMs!.map(whole).join(', ')} ms` : '') +
        (line.memory ? `, after ${MEMORY_REQUESTS} requests: ${describeMemory(line.memory)}` : ''));
    } catch (error) {
      line.reason = (error as Error).message.slice(0, 300);
      log(`  ${line.label}: not measured: ${line.reason}`);
    }
  }
  return lines;
}

function appLabel(id: string): string {
  return id === 'seed' ? "the seed's app" : `the ${id[0]!.toUpperCase()}${id.slice(1)} app`;
}

/** The bundle with its global scope timed: a statement before it (imports are hoisted above it) and one after. */
function timedGlobalScope(bundle: BuiltWorker): BuiltWorker {
  const script = `globalThis.${STARTED} = Date.now();\n${bundle.script}\nglobalThis.${ENDED} = Date.now() - globalThis.${STARTED};\n`;
  return { ...bundle, script, bytes: bundle.bytes };
}

/** A fresh workerd: its global scope's time (read after the first request, so that the inspector does not slow that), and the first request's. */
async function coldStart(bundle: BuiltWorker, route: string): Promise<{ globalScopeMs: number; firstMs: number }> {
  const inspectorPort = await freePort();
  const { miniflare, url } = await startWorker(bundle, { inspectorPort });
  try {
    const started = performance.now();
    await expectPage(url, route);
    const firstMs = performance.now() - started;
    const session = await inspect(inspectorPort);
    try {
      return { globalScopeMs: Number(await session.evaluate(`globalThis.${ENDED}`)), firstMs };
    } finally {
      session.close();
    }
  } finally {
    await miniflare.dispose();
  }
}

async function expectPage(base: URL, route: string): Promise<void> {
  const response = await fetch(new URL(route, base), { headers: { 'Accept-Encoding': 'identity' } });
  const body = await response.text();
  const expected = route === ROUTES.encode ? encodePage('mystring=hello') : undefined;
  if (response.status !== 200 || (expected !== undefined && body !== expected)) throw new Error(`${route} answered ${response.status} ${JSON.stringify(body.slice(0, 120))}`);
}

async function memoryAfter(bundle: BuiltWorker, route: string): Promise<WorkersMemory> {
  const inspectorPort = await freePort();
  const { miniflare, url } = await startWorker(bundle, { inspectorPort });
  try {
    for (let i = 0; i < MEMORY_REQUESTS; i++) await expectPage(url, route);
    const session = await inspect(inspectorPort);
    try {
      return { requests: MEMORY_REQUESTS, ...(await session.memory()) };
    } finally {
      session.close();
    }
  } finally {
    await miniflare.dispose();
  }
}

/** What Node's WebSocket (Node 20: --experimental-websocket) is used for here. */
interface InspectorSocket {
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: string }) => void): void;
  send(data: string): void;
  close(): void;
}
type InspectorSocketConstructor = new (url: string) => InspectorSocket;

interface InspectorReply {
  id?: number;
  method?: string;
  params?: { context?: { id: number } };
  result?: Record<string, unknown>;
  error?: { message: string };
}

interface InspectorSession {
  /** `expression`'s value in the Worker's global scope. */
  evaluate(expression: string): Promise<unknown>;
  /** The isolate's heap usage, and every wasm memory's size. */
  memory(): Promise<Omit<WorkersMemory, 'requests'>>;
  close(): void;
}

/** A session with the user Worker's isolate, over the V8 inspector workerd serves. */
async function inspect(inspectorPort: number): Promise<InspectorSession> {
  const Socket = (globalThis as { WebSocket?: InspectorSocketConstructor }).WebSocket;
  if (Socket === undefined) throw new Error('no WebSocket in this Node (node --experimental-websocket)');
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { title: string; webSocketDebuggerUrl: string }[];
  const target = targets.find(({ title }) => title.includes('core:user'));
  if (target === undefined) throw new Error(`no user Worker among the inspector's targets: ${targets.map(({ title }) => title).join(', ')}`);
  const socket = new Socket(target.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', () => reject(new Error(`cannot reach ${target.webSocketDebuggerUrl}`)));
  });
  const pending = new Map<number, (reply: InspectorReply) => void>();
  let context: number | undefined;
  socket.addEventListener('message', ({ data }) => {
    const reply = JSON.parse(data) as InspectorReply;
    if (reply.method === 'Runtime.executionContextCreated') context ??= reply.params?.context?.id;
    if (reply.id !== undefined) pending.get(reply.id)?.(reply);
  });
  let next = 0;
  const call = (method: string, params: Record<string, unknown> = {}) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const id = ++next;
    pending.set(id, (reply) => (reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result ?? {})));
    socket.send(JSON.stringify({ id, method, params }));
  });
  // Enabling the runtime announces the Worker's context, which evaluate needs (workerd has no default one).
  await call('Runtime.enable');
  const evaluate = async (expression: string, returnByValue = true) =>
    ((await call('Runtime.evaluate', { expression, contextId: context, returnByValue })) as { result: { value?: unknown; objectId?: string } }).result;
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    evaluate: async (expression) => (await evaluate(expression)).value,
    async memory() {
      const heap = await call('Runtime.getHeapUsage') as { usedSize: number; totalSize: number; backingStorageSize?: number };
      const prototype = await evaluate('WebAssembly.Memory.prototype', false);
      const memories = await call('Runtime.queryObjects', { prototypeObjectId: prototype.objectId }) as { objects: { objectId: string } };
      const sizes = await call('Runtime.callFunctionOn', {
        objectId: memories.objects.objectId, functionDeclaration: 'function () { return this.map((memory) => memory.buffer.byteLength); }', returnByValue: true,
      }) as { result: { value: number[] } };
      return {
        jsHeapUsedMiB: mib(heap.usedSize),
        jsHeapTotalMiB: mib(heap.totalSize),
        arrayBuffersMiB: mib(heap.backingStorageSize ?? 0),
        wasmMemoryMiB: mib(sizes.result.value.reduce((sum, size) => sum + size, 0)),
      };
    },
    close: () => socket.close(),
  };
}

function describeMemory(memory: WorkersMemory): string {
  const total = memory.jsHeapTotalMiB + memory.arrayBuffersMiB + memory.wasmMemoryMiB;
  return `JS heap ${memory.jsHeapUsedMiB.toFixed(1)}/${memory.jsHeapTotalMiB.toFixed(1)} MiB, ArrayBuffers ${memory.arrayBuffersMiB.toFixed(1)} MiB, ` +
    `wasm memory ${memory.wasmMemoryMiB.toFixed(1)} MiB (${total.toFixed(1)} MiB together)`;
}

function whole(ms: number): string {
  return ms.toFixed(0);
}
