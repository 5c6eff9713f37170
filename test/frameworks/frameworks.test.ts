/**
 * Flask, Bottle and Django (Debian's packages) on wsgi-edge answer as on CPython's wsgiref: for each
 * request in requests.ts, the same status line, the same headers the app set and the same body bytes.
 * One Pyodide serves all three apps; each reference is `python3 apps/serve_wsgiref.py` (Debian's python3).
 * `npm run test:frameworks` (apt-get install python3-flask python3-bottle python3-django).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPyodide } from '../../src/python/index.ts';
import { send, type Answer } from './exchange.ts';
import { copyPurePython, FRAMEWORKS } from './frameworks.ts';
import { appHeaders, REQUESTS } from './requests.ts';
import { startReference, startWsgiEdge, type Running, type WsgiEdgeRunning } from './servers.ts';

/** What a Python traceback or the exception's own text would show if it reached the client. */
const TRACEBACK_MARKS = ['Traceback', 'ZeroDivisionError', 'division by zero', '.py"', 'line '];

let pyodide: PyodideInterface;
let site: string;

beforeAll(async () => {
  site = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-frameworks-'));
  copyPurePython(new Set(FRAMEWORKS.flatMap((framework) => framework.packages)), site);
  pyodide = await defaultPyodide();
  // Neither interpreter writes bytecode into test/frameworks/apps.
  pyodide.runPython('import sys; sys.dont_write_bytecode = True');
});

afterAll(() => {
  if (site) rmSync(site, { recursive: true, force: true });
});

describe.each(FRAMEWORKS)('$name on wsgi-edge answers as on CPython wsgiref', (framework) => {
  let reference: Running | undefined;
  let edge: WsgiEdgeRunning | undefined;

  beforeAll(async () => {
    [reference, edge] = await Promise.all([startReference(framework), startWsgiEdge(framework, pyodide, site)]);
  });

  afterAll(async () => {
    await Promise.all([reference?.stop(), edge?.stop()]);
  });

  const both = async (request: (typeof REQUESTS)[number]): Promise<[Answer, Answer]> =>
    [await send(reference!.port, request), await send(edge!.port, request)];

  it.each(REQUESTS.filter((request) => request.compare === 'all'))('$name: $method $target', async (request) => {
    const [expected, actual] = await both(request);
    expect(expected.status, `the reference's own answer to ${request.target}`).toBeLessThan(500);
    expect({ status: actual.status, reason: actual.reason }).toEqual({ status: expected.status, reason: expected.reason });
    expect(appHeaders(actual, expected)).toEqual(appHeaders(expected, expected));
    // HEAD: nothing after the head. The reference is no guide there: wsgiref sends whatever body the app
    // gives, and Django (unlike Flask and Bottle) gives the GET body for HEAD.
    if (request.method === 'HEAD') expect(actual.body.length).toBe(0);
    else expect(actual.body.toString('latin1')).toBe(expected.body.toString('latin1'));
  });

  it('an app exception: the same status, and no traceback reaches the client', async () => {
    const [request] = REQUESTS.filter((r) => r.compare === 'status');
    const [expected, actual] = await both(request!);
    expect(expected.status).toBe(500);
    expect(actual.status).toBe(expected.status);
    const seen = actual.body.toString('utf8') + actual.headers.map(([name, value]) => `${name}: ${value}`).join('\n');
    for (const mark of TRACEBACK_MARKS) expect(seen).not.toContain(mark);
    expect(edge!.errors.join('\n').includes('ZeroDivisionError')).toBe(framework.tracebackInWsgiErrors);
  });
});

// After the frameworks' blocks (vitest runs them in order): the markupsafe that Flask and Jinja2 imported.
it('markupsafe runs its pure-Python escape in Pyodide (its C speedup is not copied)', () => {
  expect(pyodide.runPython("import sys; sys.modules['markupsafe'].escape.__module__")).toBe('markupsafe._native');
});
