/**
 * Test helpers for workerd: bundle a Worker with `wrangler deploy --dry-run --outdir` (offline), and run
 * a bundle in miniflare on 127.0.0.1. The bundle's modules are passed by content, since miniflare refuses
 * a `scriptPath` outside its working directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { compileModuleRules, Log, LogLevel, Miniflare, testRegExps, type ModuleRule, type ModuleRuleType } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { socketWire, type Wire } from '../conformance/request-cases.ts';

const run = promisify(execFile);

/** Environment for wrangler: no metrics, no account, no prompts; works without network. */
export function offlineWranglerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_UPDATE_NOTIFIER: '1' };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  return env;
}

/** A module wrangler writes beside the bundle (a `[[rules]]` import: wasm, data, text). */
export interface BundledModule {
  /** Its file name, which the bundle imports it by (`./<sha1>-<name>`). */
  name: string;
  type: ModuleRuleType;
  contents: Uint8Array;
}

export interface BuiltWorker {
  /** The bundled module's text. */
  script: string;
  /** The file name of the bundle, which is its module name. */
  scriptName: string;
  /** The other modules wrangler wrote, typed by the config's rules (and wrangler's defaults). */
  modules: BundledModule[];
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
    const files = await readdir(outdir);
    const scriptName = files.find((name) => name.endsWith('.js'));
    if (scriptName === undefined) throw new Error(`wrangler wrote no .js bundle to ${outdir}:\n${stdout}`);
    const script = await readFile(join(outdir, scriptName), 'utf8');
    const { compatibility_date: compatibilityDate, compatibility_flags: compatibilityFlags, rules } = unstable_readConfig({ config }, { hideWarnings: true });
    if (compatibilityDate === undefined) throw new Error(`${config} has no compatibility_date`);
    const typeOf = moduleTyper((rules as WranglerRule[]).map(({ type, globs, fallthrough }) => ({ type, include: globs, fallthrough })));
    const modules = await Promise.all(files.filter((name) => name !== scriptName && !NOT_MODULES.test(name)).map(async (name) => (
      { name, type: typeOf(name), contents: new Uint8Array(await readFile(join(outdir, name))) }
    )));
    return { script, scriptName, modules, bytes: Buffer.byteLength(script), report: stdout, compatibilityDate, compatibilityFlags };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** A `[[rules]]` entry of a wrangler config (its config's type does not reach here from wrangler's typings). */
interface WranglerRule {
  type: ModuleRuleType;
  globs: string[];
  fallthrough?: boolean;
}

/** What `--outdir` holds besides modules. */
const NOT_MODULES = /\.map$|^README\.md$/;

/** Wrangler's own rules, which come after a config's (its warnings list them). */
const WRANGLER_DEFAULT_RULES: ModuleRule[] = [
  { type: 'Text', include: ['**/*.txt', '**/*.html', '**/*.sql'] },
  { type: 'Data', include: ['**/*.bin'] },
  { type: 'CompiledWasm', include: ['**/*.wasm', '**/*.wasm?module'] },
];

/** The type wrangler gave a module it wrote as `<sha1>-<file name>`: the first rule matching the file name. */
function moduleTyper(configRules: ModuleRule[]): (name: string) => ModuleRuleType {
  const rules = compileModuleRules([...configRules, ...WRANGLER_DEFAULT_RULES]);
  return (name) => {
    const original = name.replace(/^[0-9a-f]{40}-/, '');
    const rule = rules.find(({ include }) => testRegExps(include, original));
    if (rule === undefined) throw new Error(`no module rule matches ${original} (written as ${name})`);
    return rule.type;
  };
}

export interface RunningWorker {
  miniflare: Miniflare;
  url: URL;
  /** What workerd wrote so far: the Worker's console output among it. */
  output(): string;
}

/** Where the modules seem to be: they are given by content, so only their names relative to it count. */
const MODULES_ROOT = '/bundle';

/** Runs a bundled module Worker in workerd and resolves once it listens; with `inspectorPort`, V8's inspector serves there. */
export async function startWorker(bundle: BuiltWorker, options: { inspectorPort?: number } = {}): Promise<RunningWorker> {
  let output = '';
  const miniflare = new Miniflare({
    modulesRoot: MODULES_ROOT,
    modules: [
      { type: 'ESModule', path: join(MODULES_ROOT, bundle.scriptName), contents: bundle.script },
      ...bundle.modules.map(({ name, type, contents }) => ({ type, path: join(MODULES_ROOT, name), contents })),
    ],
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
    ...options,
  });
  const url = await miniflare.ready;
  return { miniflare, url, output: () => output };
}

/**
 * The request cases' wire to a running Worker. Cloudflare's edge reports the client's HTTP version in
 * `request.cf.httpProtocol`; miniflare, standing in for it, takes `request.cf` from the `MF-CF-Blob`
 * header, so each request carries its version there.
 */
export function workerdWire(worker: () => RunningWorker): Wire {
  return socketWire(() => worker().url.href, (request) => `MF-CF-Blob: ${JSON.stringify({ httpProtocol: request.version })}\r\n`);
}
