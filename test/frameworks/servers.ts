/**
 * The two servers the suite compares: CPython's wsgiref.simple_server (apps/serve_wsgiref.py under
 * Debian's python3) and wsgi-edge's Node simple server with the same app loaded into Pyodide.
 * @module
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import type { PyodideInterface } from 'pyodide';
import { loadPythonApp, mountFolder } from '../../src/python/index.ts';
import { makeServer } from '../../src/wsgiref/simple-server.ts';
import { stopChild, waitForOutput } from '../deno/deno.ts';
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

export interface WsgiEdgeRunning extends Running {
  /** What reached wsgi.errors (and the gateway's own error log), one entry a line. */
  readonly errors: readonly string[];
}

/** `framework`'s app in `pyodide` (APPS_DIR and `site` on sys.path) on wsgi-edge's simple server. */
export async function startWsgiEdge(framework: Framework, pyodide: PyodideInterface, site: string): Promise<WsgiEdgeRunning> {
  if (framework.zoneinfo) mountFolder(pyodide, '/usr/share/zoneinfo');
  const app = await loadPythonApp({ app: framework.app, path: [APPS_DIR, site], pyodide });
  const errors: string[] = [];
  const server = await makeServer('127.0.0.1', 0, app, { accessLog: false, errors: (line) => errors.push(line) });
  return { port: server.port, errors, stop: () => server.close() };
}
