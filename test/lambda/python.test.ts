/**
 * A Python app's deployable zip (`wsgi-edge build lambda`) under the real runtime client: built,
 * unzipped into a fresh task root and run with both handlers, starting from the zip's snapshot. The seed's app/wsgi_app.py answers the
 * seed's requests byte for byte as CPython does; test/lambda/fixtures/faults_app.py shows how an
 * exception ends an invocation, and that a dead interpreter fails its invocation and is replaced by a
 * fresh process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { askPython, encodedPage, HTML, seedOracleCases, targetPath } from '../app/seed-cases.ts';
import { buildLambdaArtifact, cli, serveLambdaLocal, type LambdaArtifact } from '../build/artifacts.ts';
import { requestToEvent, type Payload } from './function-url.ts';
import { closeAll, startFunction, type LambdaFunction, type Outcome } from './runtime-api.ts';
import { AWKWARD_VALUE, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';

/** Lambda's quota for a zip uploaded directly. */
const MAX_ZIPPED = 50 * 1024 * 1024;
const SERVER_ERROR = 'A server error occurred.  Please contact the administrator.';
/** Two builds at once, each loading the app in a fresh Pyodide, on a busy machine. */
const BUILD_MS = 120_000;
/** Generous: a fresh process loads Pyodide before it asks for the invocation, on a busy machine. */
const FRESH_START_MS = 90_000;

/** A variable of the function's configuration, as a user sets one (the runtime sets AWS_* and LAMBDA_*). */
const FUNCTION_ENV = { [RUN_ONLY]: AWKWARD_VALUE };

type Mode = 'buffered' | 'streaming';
const HANDLERS: Record<Mode, string> = { buffered: 'index.handler', streaming: 'index.streamingHandler' };
let seedZip: LambdaArtifact;
let faultsZip: LambdaArtifact;
/** When the functions were started: a module imported from the snapshot was imported before. */
let startedAt: number;
const seed = {} as Record<Mode, LambdaFunction>;
const faults = {} as Record<Mode, LambdaFunction>;

beforeAll(async () => {
  [seedZip, faultsZip] = await Promise.all([buildLambdaArtifact('app/wsgi_app.py:simple_app'), buildLambdaArtifact('test/lambda/fixtures/faults_app.py', [], { env: { ...process.env, [SNAPSHOT_ONLY]: 'set where the zip was built' } })]);
  startedAt = Date.now();
  await Promise.all((['buffered', 'streaming'] as const).flatMap((mode) => [
    startFunction({ taskRoot: seedZip.dir, handler: HANDLERS[mode] }).then((fn) => { seed[mode] = fn; }),
    startFunction({ taskRoot: faultsZip.dir, handler: HANDLERS[mode], env: FUNCTION_ENV }).then((fn) => { faults[mode] = fn; }),
  ]));
});
afterAll(async () => {
  await closeAll();
  seedZip?.remove();
  faultsZip?.remove();
});

/** A function URL event with the path and query exactly as given (no URL parser in between). */
async function furl(rawPath: string, rawQueryString = '', method = 'GET'): Promise<Record<string, unknown>> {
  const event = await requestToEvent(new Request('https://fn-id.lambda-url.us-east-1.on.aws/', { method }));
  return { ...event, rawPath, rawQueryString };
}

/** Status, Content-Type and body bytes (base64) of a buffered result or a streamed response. */
function answerOf(outcome: Outcome): { status: number; type: string | undefined; body: string } {
  if (outcome.kind === 'response') {
    const payload = outcome.payload as Payload;
    const body = Buffer.from(payload.body, payload.isBase64Encoded ? 'base64' : 'utf8');
    return { status: payload.statusCode, type: payload.headers?.['content-type'], body: body.toString('base64') };
  }
  if (outcome.kind === 'stream') {
    const prelude = outcome.prelude as { statusCode: number; headers?: Record<string, string> };
    return { status: prelude.statusCode, type: prelude.headers?.['content-type'], body: outcome.body.toString('base64') };
  }
  throw new Error(`The invocation failed: ${JSON.stringify(outcome).slice(0, 500)}`);
}

const text = (outcome: Outcome) => Buffer.from(answerOf(outcome).body, 'base64').toString('utf8');

/** The log entry the function wrote for request `id` that matches `pattern` (powertools: one JSON line each). */
interface LogEntry {
  level: string;
  message: string;
  function_request_id?: string;
}

/** The function's structured log entry for invocation `id` whose message matches `pattern`, once it has arrived. */
async function logFor(fn: LambdaFunction, id: string, pattern: RegExp): Promise<LogEntry> {
  const line = await fn.waitForLog((candidate) => {
    if (!candidate.startsWith('{')) return false;
    const entry = JSON.parse(candidate) as LogEntry;
    return entry.function_request_id === id && pattern.test(entry.message);
  });
  return JSON.parse(line) as LogEntry;
}

describe('the zip', () => {
  test('holds the runtime entry, Pyodide, the bridge, the app\'s folder, its config and snapshot, under Lambda\'s 50 MB', () => {
    const listing = execFileSync('python3', ['-c',
      'import json, sys, zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', seedZip.zip], { encoding: 'utf8' });
    const names = JSON.parse(listing) as string[];
    // `app.py:callable` ships the file's folder, as `wsgi-edge serve` puts it on sys.path.
    const appFolder = execFileSync('git', ['ls-files', 'app'], { encoding: 'utf8' }).trim().split('\n').map((file) => `python/${file}`);
    expect(names.filter((name) => name.startsWith('python/'))).toEqual(appFolder.sort());
    expect(names.filter((name) => !name.startsWith('python/') && !name.startsWith('pyodide/'))).toEqual(
      ['app.snapshot', 'index.mjs', 'wsgi-edge.json', 'wsgi_edge_bridge.py']);
    expect(names).toEqual(expect.arrayContaining(['pyodide/pyodide.mjs', 'pyodide/pyodide.asm.wasm', 'pyodide/python_stdlib.zip', 'pyodide/pyodide-lock.json']));
    expect(names.some((name) => /\.(map|d\.ts)$|^pyodide\/pyodide\.js$/.test(name))).toBe(false);
    const size = statSync(seedZip.zip).size;
    expect(size).toBeLessThan(MAX_ZIPPED);
    expect(seedZip.printed).toContain(`${size} bytes`);
    expect(readFileSync(path.join(seedZip.dir, 'python/app/wsgi_app.py'), 'utf8')).toBe(readFileSync('app/wsgi_app.py', 'utf8'));
    expect(JSON.parse(readFileSync(path.join(seedZip.dir, 'wsgi-edge.json'), 'utf8'))).toMatchObject(
      { app: 'wsgi_app:simple_app', path: ['python/app'], snapshot: 'app.snapshot' });
  });

  test('files keep their dates (Last-Modified moves with the content)', () => {
    const shipped = statSync(path.join(seedZip.dir, 'python/app/wsgi_app.py')).mtimeMs;
    expect(Math.floor(shipped / 1000)).toBe(Math.floor(statSync('app/wsgi_app.py').mtimeMs / 1000));
  });

  test('without a snapshot, under SOURCE_DATE_EPOCH, the same inputs give the same bytes, dated no later than it', async () => {
    const epoch = 1_700_000_000;
    const env = { ...process.env, SOURCE_DATE_EPOCH: String(epoch) };
    const dir = path.dirname(seedZip.zip);
    const build = async (name: string) => {
      const zip = path.join(dir, name);
      await cli(['build', 'lambda', 'app/wsgi_app.py:simple_app', '--no-snapshot', '--out', zip], { env });
      return readFileSync(zip);
    };
    const [first, again] = await Promise.all([build('first.zip'), build('again.zip')]);
    expect(again.equals(first)).toBe(true);
    const listing = JSON.parse(execFileSync('python3', ['-c',
      'import calendar, json, sys, zipfile; print(json.dumps({i.filename: calendar.timegm(i.date_time) for i in zipfile.ZipFile(sys.argv[1]).infolist()}))',
      path.join(dir, 'first.zip')], { encoding: 'utf8' })) as Record<string, number>;
    expect(Object.keys(listing)).not.toContain('app.snapshot');
    // The checkout is newer than 2023: every file is clamped to the epoch (DOS dates step by 2 s).
    for (const date of Object.values(listing)) expect(Math.abs(date - epoch)).toBeLessThanOrEqual(1);
  }, BUILD_MS);

  test('the function starts from the snapshot: the app module was imported at build time, not in the function', async () => {
    for (const mode of ['buffered', 'streaming'] as const) {
      const importedAt = Number(text(await faults[mode].invoke(await furl('/imported-at')))) * 1000;
      expect(importedAt).toBeGreaterThan(0);
      expect(importedAt).toBeLessThan(startedAt);
      await faults[mode].waitForLog(/wsgi-edge: Python app faults_app:application loaded from its snapshot in \d+ ms/);
    }
  });
});

describe.each(['buffered', 'streaming'] as const)('the seed app, %s, answers as CPython does', (mode) => {
  const cases = seedOracleCases();

  test(`${cases.length} requests, byte for byte`, async () => {
    const expected = askPython(cases);
    for (const [i, request] of cases.entries()) {
      const outcome = await seed[mode].invoke(await furl(targetPath(request.path), request.query, request.method));
      const oracle = expected[i]!;
      expect({ request, ...answerOf(outcome) }).toEqual({
        request,
        status: Number(oracle.status.split(' ')[0]),
        type: oracle.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1],
        // A server sends no body for HEAD; CPython's app produced one, which the gateway drops.
        body: request.method === 'HEAD' ? '' : oracle.body,
      });
    }
  });
});

describe('npm run lambda:local serves the zip on localhost as a function URL does', () => {
  test.each(['BUFFERED', 'RESPONSE_STREAM'] as const)('invoke mode %s', async (mode) => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['lambda:local']).toContain('node --import tsx scripts/lambda-local.ts');
    const server = await serveLambdaLocal(seedZip.zip, mode);
    try {
      const answer = await fetch(`${server.url}encode?mystring=hello`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(HTML);
      expect(await answer.text()).toBe(encodedPage('&#x27;hello&#x27;', 'aGVsbG8='));
      expect(server.output()).toContain(mode === 'BUFFERED' ? 'index.handler' : 'index.streamingHandler');
    } finally {
      await server.stop();
    }
  }, FRESH_START_MS);
});

describe.each(['buffered', 'streaming'] as const)('a Python exception, %s', (mode) => {
  test('before the headers: 500 with the generic body; the traceback in the function\'s log, not in the answer', async () => {
    const id = `raise-${mode}`;
    const outcome = await faults[mode].invoke(await furl('/raise'), { requestId: id });
    expect(answerOf(outcome)).toMatchObject({ status: 500 });
    expect(text(outcome)).toBe(SERVER_ERROR);
    if (outcome.kind === 'stream') expect(outcome.error).toBeUndefined();
    const logged = await logFor(faults[mode], id, /RuntimeError: raised before the headers/);
    expect(logged.level).toBe('ERROR');
    expect(logged.message).toMatch(/Traceback \(most recent call last\):[\s\S]*faults_app\.py", line \d+, in application/);
  });

  test('after the headers: the invocation ends as the JavaScript path ends it', async () => {
    const id = `raise-late-${mode}`;
    const outcome = await faults[mode].invoke(await furl('/raise-late'), { requestId: id });
    if (mode === 'buffered') {
      // Nothing had left the function: the client gets a 500.
      expect(answerOf(outcome)).toMatchObject({ status: 500 });
      expect(text(outcome)).toBe(SERVER_ERROR);
    } else {
      // Streamed: the headers and the first chunk went out; the runtime's error trailers cut the stream.
      expect(outcome.kind).toBe('stream');
      if (outcome.kind !== 'stream') return;
      expect(outcome.prelude).toMatchObject({ statusCode: 200 });
      expect(outcome.body.toString()).toBe('partial;');
      expect(outcome.error).toMatchObject({ errorType: 'PythonError', body: { errorMessage: 'RuntimeError: raised after the headers' } });
    }
    expect((await logFor(faults[mode], id, /RuntimeError: raised after the headers/)).message).toContain('Traceback');
  });

  test('the same process serves the next invocation', async () => {
    const pid = faults[mode].pid;
    const first = Number(text(await faults[mode].invoke(await furl('/served'))));
    expect(Number(text(await faults[mode].invoke(await furl('/served'))))).toBe(first + 1);
    expect(faults[mode].pid).toBe(pid);
    expect(faults[mode].exits).toEqual([]);
  });
});

describe.each(['buffered', 'streaming'] as const)('os.environ, %s', (mode) => {
  test('is the function\'s environment: the runtime\'s AWS_* and LAMBDA_* and the user\'s variables, none of Pyodide\'s defaults', async () => {
    const environ = JSON.parse(text(await faults[mode].invoke(await furl('/os-environ')))) as Record<string, string>;
    expect(environ).toMatchObject({
      ...FUNCTION_ENV,
      AWS_LAMBDA_FUNCTION_NAME: 'wsgi-edge-test',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_RUNTIME_API: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      LAMBDA_TASK_ROOT: faultsZip.dir,
      _HANDLER: HANDLERS[mode],
      PATH: process.env.PATH,
    });
    // The runtime process here has no USER, HOME or LANG: Pyodide's stand-ins must not show through.
    for (const name of ['USER', 'LOGNAME', 'PWD', 'LANG', 'PYTHONINSPECT', '_']) expect(environ[name], name).toBeUndefined();
    // The zip's snapshot was made where this variable was set: none of the build's environment is in it.
    expect(environ[SNAPSHOT_ONLY]).toBeUndefined();
  });

  test('holds each invocation\'s own _X_AMZN_TRACE_ID, as the Python runtime sets it, and none when the invocation has none', async () => {
    const traceOf = async (traceId: string | null) => (JSON.parse(text(await faults[mode].invoke(await furl('/os-environ'), { traceId }))) as Record<string, string>)._X_AMZN_TRACE_ID;
    expect(await traceOf(`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;mode=${mode}`)).toBe(
      `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;mode=${mode}`,
    );
    expect(await traceOf('Root=1-00000000-second')).toBe('Root=1-00000000-second');
    expect(await traceOf(null)).toBeUndefined();
    expect(await traceOf('Root=1-00000000-again')).toBe('Root=1-00000000-again');
  });
});

describe('a dead interpreter fails its invocation, and a fresh process serves the next one', () => {
  test.each([
    ['buffered', '/recurse', /failed fatally: RangeError: Maximum call stack size exceeded/],
    ['buffered', '/exit', /the app raised SystemExit\(3\)/],
    ['streaming', '/recurse', /failed fatally: RangeError: Maximum call stack size exceeded/],
    ['streaming', '/exit-late', /the app raised SystemExit\(3\)/],
  ] as const)('%s, %s', async (mode, fault, message) => {
    const fn = faults[mode];
    const pid = fn.pid!;
    const exits = fn.exits.length;
    expect(Number(text(await fn.invoke(await furl('/served'))))).toBeGreaterThan(0);

    const outcome = await fn.invoke(await furl(fault));
    // The runtime's own path for an uncaught exception: the error is posted, no response, then exit 129.
    expect(outcome).toMatchObject({ kind: 'error', errorType: 'InterpreterDeadError' });
    if (outcome.kind === 'error') expect(outcome.body.errorMessage).toMatch(message);

    const next = await fn.invoke(await furl('/served'), { timeoutMs: FRESH_START_MS });
    expect(text(next)).toBe('1');
    expect(fn.pid).not.toBe(pid);
    expect(fn.exits.slice(exits)).toEqual([{ pid, code: 129, signal: null }]);
    await fn.waitForLog(/failing this invocation so that the next one starts a fresh process/);
  }, 2 * FRESH_START_MS);
});
