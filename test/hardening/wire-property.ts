/**
 * The generated-app property over a real target, written once: each run sends a generated script to
 * the target's script fixture (script-fixture.ts), takes the response as it arrived (raw bytes on a
 * socket, or the Lambda runtime's payload), reads back through `/state` what the app did and what the
 * gateway logged, and checks:
 *
 * - `close()` ran exactly once when the app returned an iterable, never otherwise;
 * - the status is one the app set, or 500, and a 500 carries only the gateway's fixed text;
 * - no CR or LF inside a header line (every line between the status line and the blank line is a
 *   well-formed `name: value`), and no header the app's broken values tried to inject;
 * - when nothing failed: the app's last status, the exact bytes it emitted (none for HEAD), a
 *   complete message, and nothing in `wsgi.errors`;
 * - when something failed (or `close()` threw): at least one `wsgi.errors` line;
 * - what a client gets once the app fails after its headers is the platform's documented way
 *   (`failedBody`, as in test/conformance/cases.ts), and the body it got is a prefix of what was emitted.
 *
 * Fixed cases (`EXAMPLES`) run first on every target, whatever the seed.
 * @module
 */

import fc from 'fast-check';
import { expect } from 'vitest';
import { EXAMPLES, method, runParameters, script } from './app-script-arbitraries.ts';
import { dataBeforeStart, encodeScript, mustLog, type Script } from './app-script.ts';
import type { RunState } from './script-fixture.ts';

/** The gateway's body for a 500 (src/core/errors.ts SERVER_ERROR_BODY), the only 500 these apps get. */
export const SERVER_ERROR_BODY = 'A server error occurred.  Please contact the administrator.';

/** A response as the client's side of the target received it. */
export interface WireResponse {
  status: number;
  /**
   * Each header as it travelled: for an HTTP target the raw lines between the status line and the blank
   * line (split on CRLF only), for Lambda `name: value` built from the payload's header map and cookies.
   */
  headerLines: Uint8Array[];
  body: Uint8Array;
  /** The message ended before its framing said it was complete (or the runtime reported an error). */
  cutShort: boolean;
}

export interface WireTarget {
  name: string;
  /** Sends `/run?id=<id>&s=<encoded>` with `method` and returns the response as received. */
  send(method: string, id: string, encoded: string): Promise<WireResponse>;
  /** Reads `/state?id=<id>`. */
  state(id: string): Promise<RunState>;
  /**
   * How a response whose app failed after its headers reaches the client (test/conformance/cases.ts):
   * `'aborted'` (cut short), `'ended'` (workerd ends the chunked body normally), `'replaced'` (buffered
   * Lambda: nothing had left, the client gets the gateway's 500 instead).
   */
  failedBody: 'aborted' | 'ended' | 'replaced';
  /** Extra check of the log lines of one run, e.g. that they also reached the platform's log. */
  checkLog?(id: string, state: RunState): Promise<void>;
  numRuns: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const WELL_FORMED_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;
let nextId = 0;

/** Bounded (5 s) wait for what a finished run must show: close() when there was an iterable, a log line when one is owed. */
async function settledState(target: WireTarget, id: string, s: Script): Promise<RunState> {
  let state = await target.state(id);
  for (let i = 0; i < 250; i++) {
    const closed = !state.returned || state.closes > 0;
    const logged = !mustLog(s, state) || state.log.length > 0;
    if (closed && logged) break;
    await sleep(20);
    state = await target.state(id);
  }
  return state;
}

/** One run: the checks listed in the module comment. */
export async function checkRun(target: WireTarget, s: Script, method: string): Promise<void> {
  const id = `${target.name}-${Date.now().toString(36)}-${nextId++}`;
  const response = await target.send(method, id, encodeScript(s));
  const state = await settledState(target, id, s);
  const where = `${target.name} ${method} run ${id}`;
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

  expect(state.closes, `${where}: close() count`).toBe(state.returned ? 1 : 0);
  const failed = state.failed || dataBeforeStart(s);
  expect(response.status, `${where}: a response at all`).not.toBe(0);
  expect([...state.statuses, 500], `${where}: status`).toContain(response.status);

  for (const line of response.headerLines) {
    const text = Buffer.from(line).toString('latin1');
    expect(text, `${where}: header line`).toMatch(WELL_FORMED_LINE);
    expect(text.toLowerCase(), `${where}: injected header`).not.toMatch(/^injected:/);
  }

  const noBody = method === 'HEAD';
  if (response.status === 500 && !noBody) {
    expect(Buffer.from(response.body).toString('utf8'), `${where}: 500 body`).toBe(SERVER_ERROR_BODY);
  }

  if (mustLog(s, state)) {
    expect(state.log.length, `${where}: wsgi.errors lines`).toBeGreaterThan(0);
  } else {
    expect(state.log, `${where}: wsgi.errors lines`).toEqual([]);
  }
  if (!failed) {
    // A close() that throws is logged, and changes nothing the client gets.
    expect(response.cutShort, `${where}: cut short`).toBe(false);
    expect(response.status, `${where}: status`).toBe(state.statuses.at(-1));
    expect(hex(response.body), `${where}: body`).toBe(noBody ? '' : state.emitted);
  } else if (response.status !== 500) {
    // The app failed after its headers were fixed (its own status went out).
    expect(target.failedBody, `${where}: a buffered platform answers 500 instead`).not.toBe('replaced');
    if (!noBody) {
      expect(response.cutShort, `${where}: cut short (failedBody ${target.failedBody})`).toBe(target.failedBody === 'aborted');
      expect(state.emitted.startsWith(hex(response.body)), `${where}: body is a prefix of what was emitted`).toBe(true);
    }
  }
  await target.checkLog?.(id, state);
}

/** The property: the examples, then `target.numRuns` generated scripts, each with a generated method. */
export async function assertWireProperty(target: WireTarget): Promise<void> {
  await fc.assert(
    fc.asyncProperty(script, method, (s, m) => checkRun(target, s, m)),
    { ...runParameters<[Script, string]>(target.numRuns), examples: EXAMPLES },
  );
}
