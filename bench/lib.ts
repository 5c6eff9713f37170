/**
 * The benchmark's plumbing: servers started pinned to the server core, the load generator (wrk) and the
 * download client (curl) pinned to the other core, memory read from /proc, and medians.
 * @module
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Servers (and the in-process Lambda benchmark) run on this core... */
export const SERVER_CORE = '0';
/** ...and wrk, curl and this orchestrator on this one. */
export const CLIENT_CORE = '1';

export interface Server {
  name: string;
  /** The process whose memory is read: the server itself (for workerd, miniflare's workerd child). */
  pid: number;
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** CPU is counted over the whole process tree (a master and its workers), not `pid` alone. */
  cpuOfTree: boolean;
}

const started = new Set<ChildProcess>();

/** Kills every server still running: on the way out, whatever happened. */
export function killAll(): void {
  for (const child of started) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }
}

/** A free loopback port, asked of the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Read `{"url": ...}` from the server's first stdout line instead of assuming 127.0.0.1:port. */
  urlFromStdout?: boolean;
  /** The name of the process to measure memory of, when it is a descendant (workerd). */
  memoryOf?: string;
  /** Count CPU over the process and all its descendants (gunicorn's master and worker). */
  cpuOfTree?: boolean;
  /** The interpreter's working directory. */
  cwd?: string;
}

/** Starts `command` pinned to the server core, in its own process group, and waits for it to accept. */
export async function startServer(name: string, command: string, args: string[], options: StartOptions = {}): Promise<Server> {
  const port = await freePort();
  const child = spawnPinned(command, args, port, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it served: ${stderr.trim()}`)));
  });
  let url = `http://127.0.0.1:${port}`;
  if (options.urlFromStdout) {
    await Promise.race([failed, until(() => stdout.includes('\n'), 60_000, `${name} to report its URL`)]);
    url = (JSON.parse(stdout.split('\n')[0]!) as { url: string }).url.replace(/\/$/, '');
  }
  const { hostname, port: bound } = new URL(url);
  await Promise.race([failed, waitForPort(hostname, Number(bound), 60_000, name)]);
  failed.catch(() => undefined);
  let pid = child.pid!;
  if (options.memoryOf) pid = findDescendant(pid, options.memoryOf) ?? pid;
  return { name, pid, url, child, stderr: () => stderr, cpuOfTree: options.cpuOfTree === true };
}

/**
 * Starts `command` pinned to the server core, in its own process group, killed by `killAll()` if still
 * running at the end. "__PORT__" in the arguments stands for `port` (BENCH_PORT in the environment says it too).
 */
export function spawnPinned(command: string, args: string[], port: number, options: Pick<StartOptions, 'env' | 'cwd'> = {}): ChildProcess {
  const argv = args.map((arg) => arg.replaceAll('__PORT__', String(port)));
  const child = spawn('taskset', ['-c', SERVER_CORE, command, ...argv], {
    env: { ...process.env, ...options.env, BENCH_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    cwd: options.cwd,
  });
  started.add(child);
  return child;
}

export async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
  // Whatever the server left in its group (workerd under miniflare) goes with it.
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  started.delete(child);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function waitForPort(host: string, port: number, timeoutMs: number, name: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${host}:${port}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The first descendant of `pid` whose command name is `comm`. */
export function findDescendant(pid: number, comm: string): number | undefined {
  for (const current of processTree(pid)) {
    try {
      if (current !== pid && readFileSync(`/proc/${current}/comm`, 'utf8').trim() === comm) return current;
    } catch {
      // The process went away meanwhile.
    }
  }
  return undefined;
}

/** `pid` and its descendants, breadth first. */
export function processTree(pid: number): number[] {
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 1000; i++) {
    try {
      for (const task of readdirSync(`/proc/${queue[i]}/task`)) {
        const children = readFileSync(`/proc/${queue[i]}/task/${task}/children`, 'utf8').trim();
        if (children) queue.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // The process went away meanwhile.
    }
  }
  return queue;
}

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM). */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time (user + system, all threads) the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ")"; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * Each thread's time on a CPU so far, in nanoseconds (the first field of its schedstat), for `server`'s
 * process or, when it has workers, its whole tree. /proc/PID/stat counts in ticks of 10 ms: 0.04 ms a
 * MiB over a 256 MiB download, a tenth of what a server spends on it.
 */
export function threadRunTimes(server: Server): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of server.cpuOfTree ? processTree(server.child.pid!) : [server.pid]) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        times.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
      }
    } catch {
      // A worker or thread that exited took its time with it.
    }
  }
  return times;
}

/** CPU milliseconds between two `threadRunTimes` readings; a thread that exited in between loses its part. */
export function cpuMsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ns = 0;
  for (const [tid, time] of after) ns += time - (before.get(tid) ?? 0);
  return ns / 1e6;
}

/** The CPU time a server has used so far: its own, or its whole tree's when it has workers. */
export function serverCpuMs(server: Server): number {
  if (!server.cpuOfTree) return cpuMs(server.pid);
  let total = 0;
  for (const pid of processTree(server.child.pid!)) {
    try {
      total += cpuMs(pid);
    } catch {
      // A worker that exited took its time with it; gunicorn's sync worker does not, while serving.
    }
  }
  return total;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Resets the peak-RSS mark (VmHWM) of `pid`; false where the kernel does not allow it. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connect, write and timeout errors. */
  errors: number;
  /** Read errors: a server that closes the connection after each response (HTTP/1.0) has one per request. */
  readErrors: number;
  non2xx: number;
}

/** One wrk run against `url`, pinned to the client core. */
export async function wrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  const args = ['-c', CLIENT_CORE, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', 'Accept-Encoding: identity', url];
  const { stdout, code } = await run('taskset', args, (seconds + 30) * 1000);
  if (code !== 0) throw new Error(`wrk exited ${code}: ${stdout}`);
  return parseWrk(stdout);
}

export function parseWrk(output: string): WrkResult {
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`wrk output without ${pattern}: ${output}`);
    return Number(match[1]);
  };
  const latency = (pct: string): number => {
    const match = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!match) throw new Error(`wrk output without the ${pct}% latency: ${output}`);
    const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
    return Number(match[1]) * scale;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socket ? Number(socket[1]) + Number(socket[3]) + Number(socket[4]) : 0;
  const readErrors = socket ? Number(socket[2]) : 0;
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    requests: number(/(\d+) requests in/),
    errors,
    readErrors,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

export interface Download {
  bytes: number;
  seconds: number;
}

/** Downloads `url` to nowhere with curl on the client core. */
export async function download(url: string, timeoutMs: number): Promise<Download> {
  const args = ['-c', CLIENT_CORE, 'curl', '-sS', '--fail', '-o', '/dev/null', '-H', 'Accept-Encoding: identity', '-w', '%{size_download} %{time_total}', url];
  const { stdout, stderr, code } = await run('taskset', args, timeoutMs);
  if (code !== 0) throw new Error(`curl exited ${code} for ${url}: ${stderr.trim()}`);
  const [bytes, seconds] = stdout.trim().split(' ').map(Number);
  return { bytes: bytes!, seconds: seconds! };
}

export function run(command: string, args: string[], timeoutMs: number, options: { env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The first line a command prints about its version, or "not found". */
export function versionOf(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return 'not found';
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

export function log(line: string): void {
  process.stderr.write(line + '\n');
}

export { median } from './markdown.ts';
