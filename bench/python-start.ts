/**
 * Start-up figures of the Python section: process start to the first 200 of `/encode?mystring=hello`
 * (wsgi-edge over Pyodide on Node and Deno, `wsgi-edge build deno` folders, gunicorn for reference), RSS
 * after that first answer, and the Lambda zip `wsgi-edge build lambda` makes: its size and its cold start
 * under the real runtime client (init and the first invocation).
 * @module
 */

import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { encodePage, ROUTES } from './apps/shared.ts';
import { freePort, log, procStatusBytes, processTree, run, SERVER_CORE, sleep, spawnPinned } from './lib.ts';
import type { PythonPaths } from './python.ts';
import { closeAll, startFunction } from '../test/lambda/runtime-api.ts';
import type { ColdStartLine, LambdaPackageLine, PythonAppResult, PythonServerId } from './types.ts';

export interface StartCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

interface StartableServer<App> {
  id: PythonServerId;
  label: string;
  command: (app: App) => StartCommand;
  worker?: boolean;
  /** Starts from the app's memory snapshot. */
  snapshot?: boolean;
}

interface StartableApp {
  id: PythonAppResult['id'];
}

const EXPECTED = encodePage('mystring=hello')!;
const COLD_START_TIMEOUT_MS = 120_000;

/** `runs` cold starts of each server for each app, the servers alternated within a run. */
export async function coldStarts<App extends StartableApp, Spec extends StartableServer<App>>(apps: readonly App[], servers: readonly Spec[],
  unavailable: (server: Spec, app: App) => string | undefined, runs: number): Promise<ColdStartLine[]> {
  log('-- cold start: process start to the first 200');
  const lines: ColdStartLine[] = [];
  for (const app of apps) {
    const pending: { line: ColdStartLine; server: Spec }[] = [];
    for (const server of servers) {
      const line: ColdStartLine = { app: app.id, server: server.id, label: server.label, snapshot: server.snapshot === true, measured: false, ms: [], rssMiB: [] };
      lines.push(line);
      line.reason = unavailable(server, app);
      if (line.reason) continue;
      pending.push({ line, server });
    }
    for (let round = 0; round < runs; round++) {
      for (const { line, server } of pending) {
        if (line.reason) continue;
        try {
          const { ms, rssMiB } = await firstAnswer(server.command(app), server.worker === true);
          line.ms.push(ms);
          line.rssMiB.push(rssMiB);
          log(`  ${app.id.padEnd(5)} ${(server.label + (server.snapshot ? ', snapshot' : '')).padEnd(50)} ${ms.toFixed(0).padStart(6)} ms to the first 200, RSS ${rssMiB.toFixed(0)} MiB`);
        } catch (error) {
          line.reason = (error as Error).message.slice(0, 300);
          log(`  ${app.id} ${server.label}: not measured: ${line.reason}`);
        }
      }
    }
    for (const { line } of pending) line.measured = line.reason === undefined && line.ms.length === runs;
  }
  return lines;
}

/** Starts the server, asks for the page every 5 ms until it answers 200 with it, then stops it. */
async function firstAnswer(start: StartCommand, worker: boolean): Promise<{ ms: number; rssMiB: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnPinned(start.command, start.args, port, { env: start.env });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it answered: ${stderr.trim()}`);
      if (performance.now() - started > COLD_START_TIMEOUT_MS) throw new Error(`no answer within ${COLD_START_TIMEOUT_MS / 1000} s`);
      const answer = await get(port, ROUTES.encode);
      if (answer) {
        const ms = performance.now() - started;
        if (answer.status !== 200 || answer.body !== EXPECTED) throw new Error(`answered ${answer.status} ${JSON.stringify(answer.body.slice(0, 120))}`);
        const pid = worker ? (processTree(child.pid!)[1] ?? child.pid!) : child.pid!;
        return { ms, rssMiB: procStatusBytes(pid, 'VmRSS') / 2 ** 20 };
      }
      await sleep(5);
    }
  } finally {
    await kill(child);
  }
}

/** One GET; `undefined` while nothing listens (or the connection is dropped during start-up). */
function get(port: number, path: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { 'accept-encoding': 'identity' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}

/** An app as `wsgi-edge build` takes it: its spec and its --pythonpath folders. */
export interface BuildableApp {
  id: 'seed' | 'flask' | 'django';
  spec: string;
  path: readonly string[];
  /** Folders the app reads at a fixed path (`--mount`). */
  mounts?: readonly string[];
  unavailable?: string;
}

/** `wsgi-edge build <target>` of `app` into `out`; throws with the command's last words when it fails. */
export function buildArtifact(paths: PythonPaths, target: 'lambda' | 'deno' | 'cloudflare', app: BuildableApp, snapshot: boolean, out: string): void {
  rmSync(out, { recursive: true, force: true });
  const args = [join(paths.root, 'dist', 'src', 'cli.js'), 'build', target, app.spec, '--pythonpath', app.path.join(','),
    ...(app.mounts ?? []).flatMap((mount) => ['--mount', mount]), ...(snapshot ? [] : ['--no-snapshot']), '--out', out];
  const built = spawnSync(process.execPath, args, { cwd: paths.root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`wsgi-edge build ${target} failed: ${built.stderr.trim().slice(-300)}`);
}

/** Each app's `wsgi-edge build deno` folder, with and without its snapshot, for the cold starts; the reason where one failed. */
export function denoArtifacts(apps: readonly BuildableApp[], paths: PythonPaths): Map<string, { dir: string; reason?: string }> {
  log('-- wsgi-edge build deno');
  const made = new Map<string, { dir: string; reason?: string }>();
  for (const app of apps) {
    for (const snapshot of [true, false]) {
      const dir = join(paths.built, `deno-build-${app.id}${snapshot ? '' : '-no-snapshot'}`);
      const entry: { dir: string; reason?: string } = { dir, reason: app.unavailable };
      made.set(`${app.id}:${snapshot}`, entry);
      if (entry.reason) continue;
      try {
        buildArtifact(paths, 'deno', app, snapshot, dir);
      } catch (error) {
        entry.reason = (error as Error).message;
        log(`  ${app.id}: ${entry.reason}`);
      }
    }
  }
  return made;
}

/**
 * The Lambda zip for the seed's Python app and for the Flask app, built by `wsgi-edge build lambda` with
 * and without its memory snapshot, unzipped, and started under the real runtime client (aws-lambda-ric
 * against the tests' Runtime API server): init and the first invocation, as a cold start on Lambda is.
 */
export async function lambdaPackages(apps: readonly BuildableApp[], paths: PythonPaths, runs: number): Promise<LambdaPackageLine[]> {
  log('-- Lambda package of a Python app (wsgi-edge build lambda), under aws-lambda-ric');
  const lines: LambdaPackageLine[] = [];
  for (const app of apps) {
    for (const snapshot of [true, false]) {
      const line: LambdaPackageLine = { label: `${app.id === 'seed' ? "the seed's app" : 'the Flask app'}, ${snapshot ? 'from its snapshot' : 'no snapshot'}`, measured: false };
      lines.push(line);
      if (app.unavailable) {
        line.reason = app.unavailable;
        continue;
      }
      try {
        const name = `lambda-python-${app.id}${snapshot ? '' : '-no-snapshot'}`;
        const zip = join(paths.built, `${name}.zip`);
        buildArtifact(paths, 'lambda', app, snapshot, zip);
        const dir = join(paths.built, name);
        rmSync(dir, { recursive: true, force: true });
        const unzipped = spawnSync('python3', ['-m', 'zipfile', '-e', zip, dir], { encoding: 'utf8' });
        if (unzipped.error || unzipped.status !== 0) throw new Error(`python3 -m zipfile -e failed: ${unzipped.error?.message ?? unzipped.stderr}`);
        line.zipBytes = statSync(zip).size;
        line.unzippedBytes = treeBytes(dir);
        line.initMs = [];
        for (let i = 0; i < runs; i++) line.initMs.push(await lambdaColdStart(dir, paths.root));
        line.measured = true;
        log(`  ${line.label.padEnd(44)} zip ${(line.zipBytes / 2 ** 20).toFixed(1)} MiB (${(line.unzippedBytes / 2 ** 20).toFixed(1)} MiB unzipped), init + first invoke ${line.initMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      } catch (error) {
        line.reason = (error as Error).message.slice(0, 300);
        log(`  ${line.label}: not measured: ${line.reason}`);
      }
    }
  }
  return lines;
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : statSync(path).size;
  }
  return total;
}

/**
 * A fresh runtime process (aws-lambda-ric running the zip's `index.handler`, as Lambda starts one) from
 * its spawn to the answer of its first invocation, a function URL GET /encode, which must be the page.
 */
async function lambdaColdStart(dir: string, root: string): Promise<number> {
  const base = JSON.parse(readFileSync(join(root, 'test', 'lambda', 'events', 'furl.capture.get-root.json'), 'utf8')) as {
    rawPath: string; rawQueryString: string; requestContext: { http: { path: string } };
  };
  base.rawPath = base.requestContext.http.path = '/encode';
  base.rawQueryString = 'mystring=hello';
  const started = performance.now();
  const fn = await startFunction({ taskRoot: dir, handler: 'index.handler' });
  try {
    const outcome = await fn.invoke(base, { timeoutMs: COLD_START_TIMEOUT_MS });
    const ms = performance.now() - started;
    const result = outcome.kind === 'response' ? outcome.payload as { statusCode: number; body: string; isBase64Encoded: boolean } : undefined;
    const body = result && (result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body);
    if (result?.statusCode !== 200 || body !== EXPECTED) throw new Error(`the function answered ${JSON.stringify(outcome).slice(0, 200)}`);
    return ms;
  } finally {
    await closeAll();
  }
}
