/**
 * Test helper: runs a module under the real `deno serve` (the binary from the `deno` npm package) on
 * 127.0.0.1, reads the address it prints, and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The `deno` binary of the `deno` devDependency. */
export const DENO = resolve('node_modules/.bin/deno');

export interface DenoServer {
  url: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Settles with the exit status (`null` after a signal) once the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Environment for Deno: no update check, no colours, no prompts. */
export function quietDenoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...extra };
}

/** Waits (bounded, 30 s by default) until `output()` matches `pattern`, or the process exits. */
export async function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpExecArray> {
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (let i = 0; i < timeoutMs / 50 && !exited; i++) {
    const match = pattern.exec(output());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not print ${pattern} (exited: ${exited}):\n${output()}`);
}

/** Stops a child (SIGTERM, then SIGKILL after a bounded wait) and resolves once it has exited. */
export async function stopChild(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (group) process.kill(-child.pid!, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A server process started by `startServer`: where it listens, and everything it wrote. */
export interface ServerProcess extends DenoServer {
  child: ChildProcess;
}

/**
 * Spawns `command args` with its output kept, and resolves once the output matches `listening` (whose
 * first group is the URL); a process that exits or stays silent first is stopped, and the call throws.
 */
export async function startServer(command: string, args: readonly string[], env: NodeJS.ProcessEnv, listening: RegExp, what: string, timeoutMs?: number): Promise<ServerProcess> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  try {
    const match = await waitForOutput(child, () => output, listening, what, timeoutMs);
    return { url: match[1]!, child, output: () => output, exited, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** `deno serve ...args entry ...scriptArgs` on a free port; `env` adds to this process's environment. */
export function denoServe(entry: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, scriptArgs: string[] = []): Promise<DenoServer> {
  return startServer(DENO, ['serve', '--host', '127.0.0.1', '--port', '0', ...args, entry, ...scriptArgs], quietDenoEnv(env),
    /Listening on (http:\/\/127\.0\.0\.1:\d+)\//, `deno serve ${entry}`);
}
