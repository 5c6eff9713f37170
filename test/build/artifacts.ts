/**
 * `wsgi-edge build` as the tests run it: the built CLI (dist/src/cli.js) in a child process, and the
 * Lambda zip unzipped as Lambda unzips it, file dates included (a reader independent of the writer:
 * CPython's zipfile, the dates from the extended timestamp field, else the DOS field). Then each
 * artifact served as its user serves it: a Deno folder under the `deno serve` line the build printed, a
 * Lambda zip under `npm run lambda:local` (scripts/lambda-local.ts), a Worker's folder under the
 * `wrangler dev` line the build printed.
 * @module
 */

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { offlineWranglerEnv } from '../cloudflare/workerd.ts';
import { DENO, quietDenoEnv, startServer, stopChild, waitForOutput, type ServerProcess } from '../deno/deno.ts';
import { runCli } from '../helpers/cli.ts';

/** A Django site loads in a fresh Pyodide at build time: a minute on a busy machine. */
const BUILD_TIMEOUT_MS = 240_000;

/** Where and how a build runs: its environment, and the CLI of another installed Pyodide (test/helpers/pyodide-versions.ts). */
export interface BuildRun {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  cli?: string;
}

/** Runs `wsgi-edge ...args`, which must succeed; gives what it printed. */
export async function cli(args: readonly string[], options: BuildRun = {}): Promise<string> {
  const run = await runCli(args, BUILD_TIMEOUT_MS, options);
  if (run.status !== 0) throw new Error(`wsgi-edge ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  return run.stdout + run.stderr;
}

const UNZIP_WITH_DATES = `
import calendar, os, struct, sys, zipfile
archive = zipfile.ZipFile(sys.argv[1])
for info in archive.infolist():
    target = archive.extract(info, sys.argv[2])
    when = calendar.timegm(info.date_time)
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack('<HH', extra[i:i + 4])
        if tag == 0x5455 and size >= 5 and extra[i + 4] & 1:
            when = struct.unpack('<I', extra[i + 5:i + 9])[0]
        i += 4 + size
    os.utime(target, (when, when))
`;

/** Unzips `zip` into `dir` with each file's date as the zip records it. */
export function unzipWithDates(zip: string, dir: string): void {
  execFileSync('python3', ['-c', UNZIP_WITH_DATES, zip, dir]);
}

export interface LambdaArtifact {
  zip: string;
  /** The zip unzipped: the task root. */
  dir: string;
  /** What the build printed. */
  printed: string;
  remove(): void;
}

/** `wsgi-edge build lambda <app> ...args` into a fresh folder, and the zip unzipped beside it. */
export async function buildLambdaArtifact(app: string, args: readonly string[] = [], options: BuildRun = {}): Promise<LambdaArtifact> {
  const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-lambda-'));
  const zip = path.join(work, 'function.zip');
  const printed = await cli(['build', 'lambda', app, ...args, '--out', zip], options);
  const dir = path.join(work, 'task');
  unzipWithDates(zip, dir);
  return { zip, dir, printed, remove: () => rmSync(work, { recursive: true, force: true }) };
}

export interface DenoArtifact {
  dir: string;
  printed: string;
  remove(): void;
}

/** `wsgi-edge build deno <app> ...args` into a fresh folder. */
export async function buildDenoArtifact(app: string, args: readonly string[] = [], options: BuildRun = {}): Promise<DenoArtifact> {
  const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-deno-'));
  const dir = path.join(work, 'site');
  const printed = await cli(['build', 'deno', app, ...args, '--out', dir], options);
  return { dir, printed, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/** `deno serve` exactly as the build printed it, on a free loopback port. */
export function servePrinted(artifact: DenoArtifact, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const line = /^Serve it with: deno serve (.*) (\S+\/main\.mjs)$/m.exec(artifact.printed);
  if (!line) throw new Error(`The build printed no deno serve line:\n${artifact.printed}`);
  const [, flags, entry] = line;
  return startServer(DENO, ['serve', '--host', '127.0.0.1', '--port', '0', ...flags!.split(' '), entry!], quietDenoEnv(env),
    /Listening on (http:\/\/127\.0\.0\.1:\d+)\//, `deno serve ${entry}`);
}

export type InvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** Unzipping a Django site and starting the runtime client, on a busy machine. */
const LAMBDA_LOCAL_MS = 90_000;

/** `npm run lambda:local -- ZIP --port 0 --invoke-mode MODE`: the zip as a function URL serves it; its URL ends in a slash. */
export function serveLambdaLocal(zip: string, mode: InvokeMode): Promise<ServerProcess> {
  return startServer(process.execPath, ['--import', 'tsx', 'scripts/lambda-local.ts', zip, '--port', '0', '--invoke-mode', mode],
    process.env, / on (http:\/\/127\.0\.0\.1:\d+\/)$/m, `lambda:local ${mode}`, LAMBDA_LOCAL_MS);
}

/** `wsgi-edge build cloudflare <app> ...args` into a fresh folder. */
export async function buildCloudflareArtifact(app: string, args: readonly string[] = [], options: BuildRun = {}): Promise<DenoArtifact> {
  const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-cloudflare-'));
  const dir = path.join(work, 'worker');
  const printed = await cli(['build', 'cloudflare', app, ...args, '--out', dir], options);
  return { dir, printed, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/** Bundling 40 MB of modules and starting workerd, on a busy machine. */
const WRANGLER_DEV_MS = 120_000;

/**
 * `npx wrangler dev -c DIR/wrangler.toml` exactly as the build printed it, offline, on a free loopback
 * port, with `vars` as the Worker's text bindings (`--var NAME:VALUE`). Its own process group, so that
 * stopping it stops workerd too.
 */
export async function wranglerDevPrinted(artifact: DenoArtifact, vars: Record<string, string> = {}): Promise<ServerProcess> {
  const line = /^Serve it with: npx wrangler dev -c (\S+\/wrangler\.toml)/m.exec(artifact.printed);
  if (!line) throw new Error(`The build printed no wrangler dev line:\n${artifact.printed}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startWranglerDev(line[1]!, vars);
    } catch (error) {
      // wrangler picks workerd's loopback port itself, free when it looks and not always when workerd
      // binds it: two `wrangler dev` starting at once can pick the same one.
      if (!(error instanceof Error && PORT_TAKEN.test(error.message)) || attempt === WRANGLER_DEV_ATTEMPTS) throw error;
    }
  }
}

const WRANGLER_DEV_ATTEMPTS = 3;
const PORT_TAKEN = /Address already in use/;

async function startWranglerDev(config: string, vars: Record<string, string>): Promise<ServerProcess> {
  // Its inspector too: wrangler's default (9229) is one port for every wrangler dev at once.
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = ['node_modules/wrangler/bin/wrangler.js', 'dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])];
  const child = spawn(process.execPath, args, { env: offlineWranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  // The group, even once wrangler itself has exited: workerd outlives a wrangler that failed to start.
  const stop = async () => {
    await stopChild(child, true);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The whole group is gone.
    }
  };
  try {
    // Ready, or workerd's failure to bind, whether or not wrangler then exits.
    const match = await waitForOutput(child, () => output, new RegExp(`Ready on (http://127\\.0\\.0\\.1:\\d+)|${PORT_TAKEN.source}`), `wrangler dev -c ${config}`, WRANGLER_DEV_MS);
    if (match[1] === undefined) throw new Error(`wrangler dev -c ${config} could not bind a port:\n${output}`);
    return { url: match[1], child, output: () => output, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
