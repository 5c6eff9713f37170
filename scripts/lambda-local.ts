/**
 * `npm run lambda:local -- FUNCTION.zip [--port 9000] [--host 127.0.0.1] [--invoke-mode BUFFERED|RESPONSE_STREAM]`:
 * serves a Lambda zip (one `wsgi-edge build lambda` made) on localhost as a function URL serves it, in
 * either invoke mode: each HTTP request becomes a function URL event for the real runtime client
 * (aws-lambda-ric, as the tests run it), and what the function returns, buffered or streamed, becomes
 * the HTTP response. The function's log (what the runtime process writes: the app's wsgi.errors, a
 * traceback) is printed as it comes, as it would reach CloudWatch. Run from a clone of wsgi-edge: it
 * uses the tests' Runtime API server and function URL front end (test/lambda), and the runtime client's
 * native part that `npm test` builds.
 * @module
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { unzipWithDates } from '../test/build/artifacts.ts';
import { requestToEvent, resultToResponse, streamToResponse } from '../test/lambda/function-url.ts';
import { closeAll, startFunction } from '../test/lambda/runtime-api.ts';

const MODES = { BUFFERED: 'index.handler', RESPONSE_STREAM: 'index.streamingHandler' } as const;
/** A function URL's own limit on an invocation. */
const TIMEOUT_MS = 900_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    'invoke-mode': { type: 'string', default: 'BUFFERED' },
  },
});
const mode = values['invoke-mode'];
if (positionals.length !== 1 || !(mode in MODES)) {
  console.error('Usage: npm run lambda:local -- FUNCTION.zip [--port 9000] [--host 127.0.0.1] [--invoke-mode BUFFERED|RESPONSE_STREAM]');
  process.exit(2);
}
const handler = MODES[mode as keyof typeof MODES];
// npm run keeps the folder it was run from in INIT_CWD.
const zip = path.resolve(process.env.INIT_CWD ?? process.cwd(), positionals[0]!);
const taskRoot = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-lambda-local-'));
unzipWithDates(zip, taskRoot);
const fn = await startFunction({ taskRoot, handler, onLog: (line) => console.log(line) });

const server = createServer((req, res) => {
  answer(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
});

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])) as [string, string][],
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  });
  const event = await requestToEvent(request, { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' });
  const response = mode === 'RESPONSE_STREAM'
    ? await streamToResponse(fn.invokeStream(event, { timeoutMs: TIMEOUT_MS, clientPaced: true }))
    : resultToResponse(await fn.invoke(event, { timeoutMs: TIMEOUT_MS }));
  res.writeHead(response.status, [...response.headers].flat());
  if (response.body === null || req.method === 'HEAD') {
    res.end();
    return;
  }
  Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(res);
}

server.listen(Number(values.port), values.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Serving ${path.relative(process.cwd(), zip)} (${handler}, ${mode}) on http://${values.host}:${port}/`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void closeAll().finally(() => {
      rmSync(taskRoot, { recursive: true, force: true });
      process.exit(0);
    });
  });
}
