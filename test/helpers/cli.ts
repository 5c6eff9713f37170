/**
 * Test helper: the built `wsgi-edge` command (dist/src/cli.js, the package's "bin") in a child process
 * on a free loopback port, with everything it writes kept for the test to read.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startServer, stopChild, type ServerProcess } from '../deno/deno.ts';

export const CLI = 'dist/src/cli.js';

/** The command serving: its URL (with a trailing slash), the child, everything it wrote (stdout and its wsgi.errors). */
export type CliProcess = ServerProcess;

/**
 * Starts `wsgi-edge serve ...args --port 0` and resolves once it says where it serves. `cli` is the
 * command's file: another Pyodide's (test/helpers/pyodide-versions.ts) runs that one.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, cli = CLI): Promise<CliProcess> {
  return startServer(process.execPath, [cli, 'serve', ...args, '--port', '0'], { ...process.env, ...env },
    /^Serving .* on (http:\/\/127\.0\.0\.1:\d+\/)/m, `wsgi-edge serve ${args.join(' ')}`);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the command to its end (spawnSync's result, without blocking, so several can run at once); one
 * still running after `timeoutMs` is stopped (its status is then `null`). `cli` as `startCli`'s.
 */
export function runCli(args: readonly string[], timeoutMs = 100_000, options: { env?: NodeJS.ProcessEnv; cwd?: string; cli?: string } = {}): Promise<CliRun> {
  const { cli = CLI, ...spawnOptions } = options;
  const child = spawn(process.execPath, [path.resolve(cli), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  const timer = setTimeout(() => void stopChild(child), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => { stdout += data.toString(); });
  child.stderr.on('data', (data: Buffer) => { stderr += data.toString(); });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Polls (bounded: 10 s) until `output()` contains `text`, and returns the output. */
export async function outputContaining(output: () => string, text: string): Promise<string> {
  for (let i = 0; i < 500 && !output().includes(text); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return output();
}
