/**
 * The servers the suite compares: CPython's wsgiref.simple_server (apps/serve_wsgiref.py under Debian's
 * python3), the reference; and wsgi-edge serving the same app: its Node simple server with the app loaded
 * into Pyodide in the test process, and the artifacts `wsgi-edge build` makes of it (a Deno folder under
 * the `deno serve` line the build prints, a Lambda zip under `npm run lambda:local` in either invoke mode,
 * a Worker's folder as `wrangler deploy` bundles it, in workerd).
 * @module
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import { loadPythonApp, mountFolder } from '../../src/python/index.ts';
import { makeServer } from '../../src/wsgiref/simple-server.ts';
import {
  buildCloudflareArtifact, buildDenoArtifact, buildLambdaArtifact, serveLambdaLocal, servePrinted, type DenoArtifact, type InvokeMode, type LambdaArtifact,
} from '../build/artifacts.ts';
import { buildWorker, startWorker } from '../cloudflare/workerd.ts';
import { stopChild, waitForOutput, type ServerProcess } from '../deno/deno.ts';
import { APPS_DIR, DEBIAN_PYTHON, type Framework } from './frameworks.ts';

export interface Running {
  readonly port: number;
  stop(): Promise<void>;
}

/** `python3 apps/serve_wsgiref.py module:callable`, with the interpreter Debian's packages are for. */
export async function startReference(framework: Framework): Promise<Running> {
  const child = spawn(DEBIAN_PYTHON, [path.join(APPS_DIR, 'serve_wsgiref.py'), framework.app], {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  try {
    const match = await waitForOutput(child, () => output, /Listening on 127\.0\.0\.1:(\d+)/, `wsgiref serving ${framework.app}`);
    return { port: Number(match[1]), stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

export interface EdgeRunning extends Running {
  /**
   * Where the app's errors went: what reached wsgi.errors and the gateway's error log (the in-process
   * server), or everything the server's process wrote.
   */
  output(): string;
}

/** `framework`'s app in `pyodide` (APPS_DIR and `site` on sys.path) on wsgi-edge's simple server. */
export async function startWsgiEdge(framework: Framework, pyodide: PyodideInterface, site: string): Promise<EdgeRunning> {
  if (framework.zoneinfo) mountFolder(pyodide, '/usr/share/zoneinfo');
  const app = await loadPythonApp({ app: framework.app, path: [APPS_DIR, site], pyodide });
  const errors: string[] = [];
  const server = await makeServer('127.0.0.1', 0, app, { accessLog: false, errors: (line) => errors.push(line) });
  return { port: server.port, output: () => errors.join('\n'), stop: () => server.close() };
}

export interface Builds {
  readonly deno: DenoArtifact;
  readonly lambda: LambdaArtifact;
  readonly cloudflare: DenoArtifact;
}

/**
 * `wsgi-edge build deno`, `build lambda` and `build cloudflare` of `framework`'s app, with APPS_DIR and `site` as
 * --pythonpath (and the tz database mounted for Django), one after the other: each build runs a
 * Pyodide, and a caller building several frameworks at once keeps to one build per framework.
 */
export async function buildArtifacts(framework: Framework, site: string): Promise<Builds> {
  const args = ['--pythonpath', `${APPS_DIR},${site}`, ...(framework.zoneinfo ? ['--mount', '/usr/share/zoneinfo'] : [])];
  const built: Array<{ remove(): void }> = [];
  try {
    const deno = await buildDenoArtifact(framework.app, args);
    built.push(deno);
    const lambda = await buildLambdaArtifact(framework.app, args);
    built.push(lambda);
    return { deno, lambda, cloudflare: await buildCloudflareArtifact(framework.app, args) };
  } catch (error) {
    for (const artifact of built) artifact.remove();
    throw error;
  }
}

function fromProcess(server: ServerProcess): EdgeRunning {
  return { port: Number(new URL(server.url).port), output: server.output, stop: server.stop };
}

/** The Deno folder under the `deno serve` line its build printed. */
export async function startDenoBuild(builds: Builds): Promise<EdgeRunning> {
  return fromProcess(await servePrinted(builds.deno));
}

/**
 * The Worker's folder as `wrangler deploy -c DIR/wrangler.toml` bundles it (--dry-run, offline), run in
 * workerd. Not under `wrangler dev`: its local proxy re-chunks an HTML answer and drops the app's
 * Content-Length, which the Worker itself sends (test/build/cloudflare.test.ts runs the `wrangler dev` line).
 */
export async function startCloudflareBuild(builds: Builds): Promise<EdgeRunning> {
  const worker = await startWorker(await buildWorker(path.join(builds.cloudflare.dir, 'wrangler.toml')));
  return { port: Number(worker.url.port), output: worker.output, stop: () => worker.miniflare.dispose() };
}

/** The Lambda zip under `npm run lambda:local`, as a function URL in `mode` serves it. */
export async function startLambdaBuild(builds: Builds, mode: InvokeMode): Promise<EdgeRunning> {
  return fromProcess(await serveLambdaLocal(builds.lambda.zip, mode));
}
