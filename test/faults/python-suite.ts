/**
 * The faults only a Python app has, written once for every runtime that serves
 * test/faults/python/faults.py (over the wire: python-node.test.ts, python-deno.test.ts; as function URL
 * invocations: python-lambda.test.ts): a traceback
 * reaches wsgi.errors (the server's output) and never the client, a raising `close()`, values of the
 * wrong type, and a dead interpreter (SystemExit in a handler, a wasm stack overflow), after which the
 * process exits rather than let a later request meet it. Each survivable case ends by serving the next request.
 * @module
 */

import { expect, it } from 'vitest';
import { outputContaining } from '../helpers/cli.ts';

export interface PythonFaultTarget {
  name: string;
  baseUrl: () => string;
  /** Everything the server process wrote so far: its wsgi.errors goes there. */
  output: () => string;
  /** How a request reaches the app; by default over the wire, with the global `fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * What the client gets when the app fails after its headers: the body `cut` short (the status already
   * sent), or the whole response `replaced` by the 500 (a buffered Lambda invocation, where nothing left
   * the function before the end). By default `cut`.
   */
  failedBody?: 'cut' | 'replaced';
}

/** The fixed body a 500 carries on every target. */
const SERVER_ERROR_BODY = 'A server error occurred.  Please contact the administrator.';
let nextId = 0;
const uniqueId = (label: string) => `${label}-${Date.now().toString(36)}-${nextId++}`;

/** Asserts `pieces` occur in `text` in this order, the first of them at or after `from`. */
export function expectInOrder(text: string, pieces: readonly (string | RegExp)[], from = 0): void {
  let at = from;
  for (const piece of pieces) {
    const rest = text.slice(at);
    const found = typeof piece === 'string' ? rest.indexOf(piece) : rest.search(piece);
    expect(found, `${String(piece)} after offset ${at} in:\n${text.slice(from, from + 3000)}`).toBeGreaterThanOrEqual(0);
    at += found;
  }
}

export function pythonFaultSuite(target: PythonFaultTarget): void {
  const url = (path: string) => new URL(path, target.baseUrl());
  const send = target.fetch ?? fetch;
  const get = (path: string) => send(new Request(url(path), { headers: { 'Accept-Encoding': 'identity' } }));
  const closesOf = async (id: string): Promise<number> => ((await (await get(`/state?id=${id}`)).json()) as { closes: number }).closes;
  const servesNext = async () => {
    const response = await get('/hello');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  };
  /** The server's output once it holds the log header of `path`, and where that header is. */
  const loggedFor = async (path: string, last: string) => {
    const header = `Error in WSGI app for GET ${path}:\n`;
    const output = await outputContaining(target.output, header);
    const at = output.indexOf(header);
    expect(at, `no "${header.trim()}" in:\n${output}`).toBeGreaterThanOrEqual(0);
    return { output: await outputContaining(target.output, last), at };
  };
  /** A body the client may see cut off (a rejected read): what arrived, if anything. */
  const textOf = (response: Response) => response.text().catch(() => '');
  /** The answer to a request whose app failed after its headers, as `failedBody` says the client gets it. */
  const expectFailedBody = async (response: Response, leaked: string) => {
    if (target.failedBody === 'replaced') {
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(SERVER_ERROR_BODY);
      return;
    }
    expect(response.status).toBe(200);
    expect(await textOf(response)).not.toContain(leaked);
  };

  it(`${target.name}: a Python exception before headers answers 500; its traceback goes to wsgi.errors, not to the client`, async () => {
    const path = `/error-before?id=${uniqueId('before')}`;
    const response = await get(path);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toBe(SERVER_ERROR_BODY);
    const { output, at } = await loggedFor(path, 'RuntimeError: fault-before-headers');
    expectInOrder(output, ['Traceback (most recent call last):', /faults\.py", line \d+, in error_before\n/, 'RuntimeError: fault-before-headers\n'], at);
    await servesNext();
  });

  const failed = target.failedBody === 'replaced' ? 'answers 500 (nothing was sent yet)' : 'cuts the body';
  it(`${target.name}: a Python exception after headers ${failed}, logs the traceback and ends in close() once`, async () => {
    const id = uniqueId('after');
    await expectFailedBody(await get(`/error-after?id=${id}`), 'Traceback');
    const { output, at } = await loggedFor(`/error-after?id=${id}`, 'RuntimeError: fault-after-headers');
    expectInOrder(output, ['Traceback (most recent call last):', /faults\.py", line \d+, in generate\n/, 'RuntimeError: fault-after-headers\n'], at);
    expect(await closesOf(id)).toBe(1);
    await servesNext();
  });

  it(`${target.name}: a close() that raises leaves the response whole and its traceback in wsgi.errors`, async () => {
    const id = uniqueId('close');
    const response = await get(`/close-raises?id=${id}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('complete body');
    const ran = `fault fixture: close() ran for /close-raises?id=${id}\n`;
    const output = await outputContaining(target.output, ran);
    expectInOrder(await outputContaining(target.output, 'RuntimeError: fault-in-close'), [
      ran, 'Traceback (most recent call last):', /faults\.py", line \d+, in close\n/, 'RuntimeError: fault-in-close\n',
    ], output.indexOf(ran));
    expect(await closesOf(id)).toBe(1);
    await servesNext();
  });

  for (const [route, message] of [
    ['bad-status', 'TypeError: The status must be a str, not int 200'],
    ['bad-header', "TypeError: Header names and values must be str, not ('X-Count', 1)"],
    ['str-body', "TypeError: The body must give bytes, not str 'fault-str-body'"],
  ] as const) {
    it(`${target.name}: ${route} (a value of the wrong type) answers 500 and logs "${message}"`, async () => {
      const path = `/${route}?id=${uniqueId(route)}`;
      const response = await get(path);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe(SERVER_ERROR_BODY);
      const { output, at } = await loggedFor(path, message);
      expectInOrder(output, [message], at);
      await servesNext();
    });
  }

  it(`${target.name}: a str chunk after bytes ${failed}, is logged, and ends in close() once`, async () => {
    const id = uniqueId('chunk');
    await expectFailedBody(await get(`/str-chunk?id=${id}`), 'TypeError');
    const message = "TypeError: The body must give bytes, not str 'fault-str-chunk'";
    const { output, at } = await loggedFor(`/str-chunk?id=${id}`, message);
    expectInOrder(output, [message], at);
    expect(await closesOf(id)).toBe(1);
    await servesNext();
  });
}

export interface DyingTarget extends PythonFaultTarget {
  exited: Promise<number | null>;
}

/** The exit status of a process whose interpreter died (`wsgi-edge serve`, and the Deno entry alike). */
export const INTERPRETER_DIED = 3;

/**
 * Asks for `path`, which kills the interpreter: the answer is a 500, or (`afterHeaders`) a body cut off
 * after its first bytes (`partial`), with no traceback in it; then the process exits with INTERPRETER_DIED after one
 * line naming `reason`, and nothing answers on its port.
 */
export async function expectInterpreterDeath(
  target: DyingTarget,
  path: string,
  expected: { afterHeaders: boolean; reason: string },
): Promise<void> {
  const response = await fetch(new URL(path, target.baseUrl()), { headers: { 'Accept-Encoding': 'identity' } });
  if (expected.afterHeaders) {
    expect(response.status).toBe(200);
    // The chunked body stops short of its last chunk; fetch reads that as an error, or (on a response
    // that said `Connection: close`) as the end.
    expect(['', 'partial']).toContain(await response.text().catch(() => ''));
  } else {
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(SERVER_ERROR_BODY);
  }
  expect(await target.exited).toBe(INTERPRETER_DIED);
  expect(target.output()).toContain(`wsgi-edge: ${expected.reason}; exiting, so that no later request meets it\n`);
  await expect(fetch(new URL('/hello', target.baseUrl()))).rejects.toThrow();
}
