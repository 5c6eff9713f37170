/**
 * Flask, Bottle and Django (Debian's packages) on wsgi-edge answer as on CPython's wsgiref: for each
 * request in requests.ts, the same status line, the same headers the app set and the same body bytes.
 * Each app is served four ways: by wsgi-edge's Node server (one Pyodide in the test process serves all
 * three apps), from the Deno folder `wsgi-edge build deno` makes of it (under the `deno serve` line the
 * build prints), from the zip `wsgi-edge build lambda` makes of it (under `npm run lambda:local`, in
 * both invoke modes), and from the Worker's folder `wsgi-edge build cloudflare` makes of it (bundled by
 * `wrangler deploy --dry-run`, in workerd). Each reference is `python3 apps/serve_wsgiref.py` (Debian's python3).
 * `npm run test:frameworks` (apt-get install python3-flask python3-bottle python3-django).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPyodide } from '../../src/python/index.ts';
import { send, type Answer } from './exchange.ts';
import { APPS_DIR, copyPurePython, FRAMEWORKS, type Framework } from './frameworks.ts';
import { appHeaders, REQUESTS, STATIC_FILES } from './requests.ts';
import {
  buildArtifacts, startCloudflareBuild, startDenoBuild, startLambdaBuild, startReference, startWsgiEdge, type Builds, type EdgeRunning, type Running,
} from './servers.ts';

/** What a Python traceback or the exception's own text would show if it reached the client. */
const TRACEBACK_MARKS = ['Traceback', 'ZeroDivisionError', 'division by zero', '.py"', 'line '];

/** Polls `condition` for up to five seconds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

let pyodide: PyodideInterface;
let work: string;
/** Each framework's packages, copied alone: what its builds ship beside APPS_DIR. */
const sites = new Map<Framework, string>();
/** Started in the first beforeAll, awaited by the first server that needs them: the Node server's blocks run meanwhile. */
const builds = new Map<Framework, Promise<Builds>>();

interface ServerKind {
  readonly name: string;
  /** Whether it serves an artifact of `wsgi-edge build`, which starts from the snapshot the build made. */
  readonly built: boolean;
  /**
   * Whether the app's reason phrase reaches the client. Deno.serve writes a status code's standard phrase
   * (none for 299), and a function URL's result has a status code and no phrase: there only the code is
   * compared.
   */
  readonly reasonPhrase: boolean;
  start(framework: Framework): Promise<EdgeRunning>;
}

const builtFor = (framework: Framework): Promise<Builds> => builds.get(framework)!;

const SERVERS: readonly ServerKind[] = [
  { name: 'wsgi-edge\'s Node server', built: false, reasonPhrase: true, start: (framework) => startWsgiEdge(framework, pyodide, sites.get(framework)!) },
  { name: 'wsgi-edge build deno, under deno serve', built: true, reasonPhrase: false, start: async (framework) => startDenoBuild(await builtFor(framework)) },
  { name: 'wsgi-edge build lambda, BUFFERED', built: true, reasonPhrase: false, start: async (framework) => startLambdaBuild(await builtFor(framework), 'BUFFERED') },
  { name: 'wsgi-edge build lambda, RESPONSE_STREAM', built: true, reasonPhrase: false, start: async (framework) => startLambdaBuild(await builtFor(framework), 'RESPONSE_STREAM') },
  { name: 'wsgi-edge build cloudflare, in workerd', built: true, reasonPhrase: false, start: async (framework) => startCloudflareBuild(await builtFor(framework)) },
];

/** What each server wrote, by server and framework, kept when it stops for the checks at the end. */
const outputs = new Map<string, string>();
const outputKey = (kind: ServerKind, framework: Framework) => `${kind.name} / ${framework.name}`;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-frameworks-'));
  for (const framework of FRAMEWORKS) {
    const site = path.join(work, `site-${framework.name.toLowerCase()}`);
    mkdirSync(site);
    copyPurePython(framework.packages, site);
    sites.set(framework, site);
    const built = buildArtifacts(framework, site);
    // Awaited later, by the blocks that serve it; a failed build fails them there.
    built.catch(() => undefined);
    builds.set(framework, built);
  }
  pyodide = await defaultPyodide();
  // Neither interpreter writes bytecode into test/frameworks/apps.
  pyodide.runPython('import sys; sys.dont_write_bytecode = True');
});

afterAll(async () => {
  const settled = await Promise.allSettled(builds.values());
  for (const result of settled) if (result.status === 'fulfilled') [result.value.deno, result.value.lambda, result.value.cloudflare].forEach((artifact) => artifact.remove());
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(SERVERS)('$name', (kind) => {
  describe.each(FRAMEWORKS)('$name answers as on CPython wsgiref', (framework) => {
    let reference: Running | undefined;
    let edge: EdgeRunning | undefined;

    beforeAll(async () => {
      [reference, edge] = await Promise.all([startReference(framework), kind.start(framework)]);
    });

    afterAll(async () => {
      if (edge) outputs.set(outputKey(kind, framework), edge.output());
      await Promise.all([reference?.stop(), edge?.stop()]);
    });

    const both = async (request: (typeof REQUESTS)[number]): Promise<[Answer, Answer]> =>
      [await send(reference!.port, request), await send(edge!.port, request)];

    it.each(REQUESTS.filter((request) => request.compare === 'all'))('$name: $method $target', async (request) => {
      const [expected, actual] = await both(request);
      expect(expected.status, `the reference's own answer to ${request.target}`).toBeLessThan(500);
      if (kind.reasonPhrase) expect({ status: actual.status, reason: actual.reason }).toEqual({ status: expected.status, reason: expected.reason });
      else expect(actual.status).toBe(expected.status);
      expect(appHeaders(actual, expected)).toEqual(appHeaders(expected, expected));
      // HEAD: nothing after the head. The reference is no guide there: wsgiref sends whatever body the app
      // gives, and Django (unlike Flask and Bottle) gives the GET body for HEAD.
      if (request.method === 'HEAD') expect(actual.body.length).toBe(0);
      else expect(actual.body.toString('latin1')).toBe(expected.body.toString('latin1'));
    });

    // The comparison above holds whatever date both servers read; this pins it to the file's own.
    it.each(STATIC_FILES)('$file: its bytes, and Last-Modified the source file\'s own date', async ({ target, file }) => {
      const source = path.join(APPS_DIR, file);
      const answer = await send(edge!.port, { name: file, method: 'GET', target });
      expect(answer.status).toBe(200);
      expect(answer.body.equals(readFileSync(source))).toBe(true);
      expect(answer.headers.filter(([name]) => name === 'last-modified')).toEqual([['last-modified', statSync(source).mtime.toUTCString()]]);
    });

    it('an app exception: the same status, and no traceback reaches the client', async () => {
      const [request] = REQUESTS.filter((r) => r.compare === 'status');
      const [expected, actual] = await both(request!);
      expect(expected.status).toBe(500);
      expect(actual.status).toBe(expected.status);
      const seen = actual.body.toString('utf8') + actual.headers.map(([name, value]) => `${name}: ${value}`).join('\n');
      for (const mark of TRACEBACK_MARKS) expect(seen).not.toContain(mark);
      // workerd writes a Worker's console a moment after the answer has gone.
      if (framework.tracebackInWsgiErrors) await until(() => edge!.output().includes('ZeroDivisionError'));
      expect(edge!.output().includes('ZeroDivisionError')).toBe(framework.tracebackInWsgiErrors);
    });
  });
});

// After the servers' blocks (vitest runs them in order).
describe('the builds', () => {
  const served = SERVERS.filter((kind) => kind.built).flatMap((kind) => FRAMEWORKS.map((framework) => ({ server: kind.name, kind, framework })));

  it.each(served)('$server, $framework.name: the app was restored from the snapshot the build made', ({ kind, framework }) => {
    const [module, callable] = framework.app.split(':');
    expect(outputs.get(outputKey(kind, framework))).toMatch(new RegExp(`wsgi-edge: Python app ${module}:${callable} loaded from its snapshot in \\d+ ms`));
  });

  it.each(FRAMEWORKS)('$name: each build names Debian\'s symlinks that dangle in the copy in a warning, and carries on', async (framework) => {
    const { deno, lambda, cloudflare } = await builtFor(framework);
    const expected = framework.danglingLinks.map((link) => path.join(sites.get(framework)!, link));
    for (const printed of [deno.printed, lambda.printed, cloudflare.printed]) {
      const named = [...printed.matchAll(/^wsgi-edge build: warning: (.*) is a dangling symlink: skipped$/gm)].map((match) => match[1]);
      expect(named.sort()).toEqual(expected.sort());
    }
  });
});

// After the frameworks' blocks: the markupsafe that Flask and Jinja2 imported.
it('markupsafe runs its pure-Python escape in Pyodide (its C speedup is not copied)', () => {
  expect(pyodide.runPython("import sys; sys.modules['markupsafe'].escape.__module__")).toBe('markupsafe._native');
});
