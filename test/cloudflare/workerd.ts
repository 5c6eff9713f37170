/**
 * Test helpers for workerd: bundle a Worker with `wrangler deploy --dry-run --outdir` (offline), and run
 * a bundle in miniflare on 127.0.0.1. The bundle's text is passed as `script`, since miniflare refuses a
 * `scriptPath` outside its working directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';

const run = promisify(execFile);

/** Environment for wrangler: no metrics, no account, no prompts; works without network. */
export function offlineWranglerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_UPDATE_NOTIFIER: '1' };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  return env;
}

export interface BuiltWorker {
  /** The bundled module's text. */
  script: string;
  /** The compatibility date and flags of its wrangler config, which miniflare must run it with. */
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Its size in bytes, and wrangler's own report of the upload. */
  bytes: number;
  report: string;
}

/** `wrangler deploy --dry-run --outdir <tmp> --config <config>`, returning the bundle wrangler would upload. */
export async function buildWorker(config: string, extraArgs: string[] = []): Promise<BuiltWorker> {
  const outdir = await mkdtemp(join(tmpdir(), 'wsgi-edge-worker-'));
  try {
    const { stdout } = await run(process.execPath, [
      'node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outdir, '--config', config, ...extraArgs,
    ], { env: offlineWranglerEnv() });
    const file = (await readdir(outdir)).find((name) => name.endsWith('.js'));
    if (file === undefined) throw new Error(`wrangler wrote no .js bundle to ${outdir}:\n${stdout}`);
    const script = await readFile(join(outdir, file), 'utf8');
    const { compatibility_date: compatibilityDate, compatibility_flags: compatibilityFlags } = unstable_readConfig({ config }, { hideWarnings: true });
    if (compatibilityDate === undefined) throw new Error(`${config} has no compatibility_date`);
    return { script, bytes: Buffer.byteLength(script), report: stdout, compatibilityDate, compatibilityFlags };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

export interface RunningWorker {
  miniflare: Miniflare;
  url: URL;
  /** What workerd wrote so far: the Worker's console output among it. */
  output(): string;
}

/** Runs a bundled module Worker in workerd and resolves once it listens. */
export async function startWorker(bundle: BuiltWorker): Promise<RunningWorker> {
  let output = '';
  const miniflare = new Miniflare({
    modules: true,
    script: bundle.script,
    compatibilityDate: bundle.compatibilityDate,
    compatibilityFlags: bundle.compatibilityFlags,
    host: '127.0.0.1',
    port: 0,
    // A fixed request.cf: miniflare would otherwise try to download one.
    cf: { colo: 'TST', country: 'ZZ' },
    bindings: { GREETING: 'hello from a binding' },
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (data: Buffer) => { output += data.toString(); });
      stderr.on('data', (data: Buffer) => { output += data.toString(); });
    },
  });
  const url = await miniflare.ready;
  return { miniflare, url, output: () => output };
}
