/**
 * Python faults on Lambda: test/faults/python/faults.py in the zip `wsgi-edge build lambda` makes (built by
 * the wsgi-edge installed beside each supported Pyodide, started from the zip's snapshot), under the real
 * runtime client in both invoke modes, each request a function URL invocation: the shared Python fault
 * cases (python-suite.ts), read from the function's log as CloudWatch shows it, and a dead interpreter.
 *
 * Where Lambda differs from a server process: a buffered invocation sends nothing before its end, so an
 * app failing after its headers gets the whole answer replaced by the 500; and a dead interpreter cannot
 * answer 500 and exit as `wsgi-edge serve` does (the process is Lambda's, not ours). It fails the
 * invocation as the Node.js runtime fails one on an uncaught exception (src/targets/lambda/fatal.ts):
 * the function URL answers that client with its own 502, which carries none of the error, and the next
 * invocation gets a fresh process, without the body's close() (the process leaves at once). The shared
 * `expectInterpreterDeath` (an exit status, a closed port) has no Lambda form, so that behaviour is pinned here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaArtifact, type LambdaArtifact } from '../build/artifacts.ts';
import { outputContaining } from '../helpers/cli.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { functionUrlFetch, requestToEvent } from '../lambda/function-url.ts';
import { startFunction, type LambdaFunction } from '../lambda/runtime-api.ts';
import { pythonFaultSuite } from './python-suite.ts';

const FIXTURE = 'test/faults/python/faults.py';
const BASE_URL = 'http://fn-id.lambda-url.us-east-1.on.aws/';
const MODES = ['buffered', 'streaming'] as const;
type Mode = (typeof MODES)[number];
const HANDLERS: Record<Mode, string> = { buffered: 'index.handler', streaming: 'index.streamingHandler' };
/** A fresh process restores the snapshot before it asks for the invocation, on a busy machine. */
const FRESH_START_MS = 90_000;

/**
 * The function's log as CloudWatch shows each entry's message: a powertools JSON line (`wsgi.errors`) by
 * its `message`, a line of the runtime's console (the app's stderr) by what follows its timestamp, request
 * id and level. A message of several lines (a traceback) reads as those lines.
 */
function logMessages(fn: LambdaFunction): string {
  const messages = fn.logs.map((line) => {
    if (line.startsWith('{')) {
      const entry = JSON.parse(line) as { message?: unknown };
      if (typeof entry.message === 'string') return entry.message;
    }
    const fields = line.split('\t');
    return fields.length >= 4 ? fields.slice(3).join('\t') : line;
  });
  return `${messages.join('\n')}\n`;
}

interface WhoAmI {
  served: number;
  pid: number;
}

describe.each(PYODIDE_VERSIONS)('Python faults: Lambda function URL, Pyodide $name', (version) => {
  let zip: LambdaArtifact;
  const fns = {} as Record<Mode, LambdaFunction>;
  beforeAll(async () => {
    zip = await buildLambdaArtifact(FIXTURE, [], { cli: version.cli });
    await Promise.all(MODES.map(async (mode) => { fns[mode] = await startFunction({ taskRoot: zip.dir, handler: HANDLERS[mode] }); }));
  }, 240_000);
  afterAll(async () => {
    await Promise.all(Object.values(fns).map((fn) => fn.close()));
    zip?.remove();
  });

  describe.each(MODES)('%s', (mode) => {
    const fn = () => fns[mode];
    const log = () => logMessages(fn());
    pythonFaultSuite({
      name: `python on lambda-${mode} (Pyodide ${version.name})`,
      baseUrl: () => BASE_URL,
      fetch: functionUrlFetch(fn, mode),
      output: log,
      failedBody: mode === 'buffered' ? 'replaced' : 'cut',
    });

    const invoke = async (path: string, timeoutMs = 20_000) => fn().invoke(await requestToEvent(new Request(new URL(path, BASE_URL))), { timeoutMs });
    const whoami = async (timeoutMs?: number): Promise<WhoAmI> => {
      const outcome = await invoke('/whoami', timeoutMs);
      if (outcome.kind === 'stream') return JSON.parse(outcome.body.toString()) as WhoAmI;
      if (outcome.kind === 'response') return JSON.parse((outcome.payload as { body: string }).body) as WhoAmI;
      throw new Error(`/whoami failed: ${JSON.stringify(outcome).slice(0, 500)}`);
    };

    it.each([
      ['/exit-before', 'The Python interpreter stopped serving: the app raised SystemExit(3)'],
      ['/exit-after', 'The Python interpreter stopped serving: the app raised SystemExit(4)'],
      ['/overflow-before', 'The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded'],
      ['/overflow-after', 'The Python interpreter failed fatally: RangeError: Maximum call stack size exceeded'],
    ] as const)(`${mode}: %s fails the invocation (no answer from the dead interpreter), and a fresh process serves the next one`, async (fault, reason) => {
      const before = await whoami();
      expect(before.served).toBeGreaterThan(0);
      const exits = fn().exits.length;
      const path = `${fault}?id=${mode}-${version.name}`;

      const outcome = await invoke(path);
      // The runtime's own path for an uncaught exception: the error is posted instead of a response, then exit 129.
      expect(outcome).toMatchObject({ kind: 'error', errorType: 'InterpreterDeadError', body: { errorMessage: reason } });
      // The runtime process's output arrives through a pipe of its own, after the error it posted.
      const failing = `wsgi-edge: ${reason}; failing this invocation so that the next one starts a fresh process\n`;
      expect(await outputContaining(log, failing)).toContain(failing);

      const after = await whoami(FRESH_START_MS);
      expect(after.served).toBe(1);
      expect(after.pid).not.toBe(before.pid);
      expect(fn().exits.slice(exits)).toEqual([{ pid: before.pid, code: 129, signal: null }]);
      // Pinned, unlike wsgi-edge serve: the body's close() does not run. failInvocation leaves the process
      // from inside the fatal callback, before the gateway would call it, so that no 500 of the dead
      // interpreter can be posted first; what close() would release dies with the process. (Read once the
      // fresh process answered: the dead one's output was all written before it exited.)
      expect(log()).not.toContain(`fault fixture: close() ran for ${path}\n`);
    }, 2 * FRESH_START_MS);
  });
});
