/**
 * Builds what the runtime client loads (it cannot load TypeScript): the deployable bundle of
 * app/lambda.ts through the project's own build script, and the test handler module, into a fresh
 * temporary task root; or a Python app's deployable zip, unzipped into one.
 * @module
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { startFunction, type LambdaFunction } from './runtime-api.ts';

export interface TaskRoot {
  dir: string;
  remove(): void;
}

export async function buildTaskRoot(): Promise<TaskRoot> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-lambda-'));
  // The deploy artifact exactly as `npm run build:lambda` makes it: index.mjs.
  execFileSync(process.execPath, ['scripts/build-lambda.mjs', '--outdir', dir], { stdio: 'pipe' });
  await build({
    entryPoints: [path.resolve('test/lambda/fixtures/handlers.ts')],
    outfile: path.join(dir, 'fixtures.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bundles the conformance fixture (test/lambda/fixtures/conformance.ts) into `root` as conformance.mjs. */
export async function buildConformanceFixture(root: TaskRoot): Promise<void> {
  await bundleFixture(root, 'test/lambda/fixtures/conformance.ts', 'conformance');
}

export interface PythonTaskRoot extends TaskRoot {
  zip: string;
  /** What the build printed (the zip's size). */
  printed: string;
}

/**
 * The zip `npm run build:lambda:python -- ...args` makes, and a fresh task root it is unzipped into
 * by CPython's zipfile (a reader independent of the zip command that wrote it).
 */
export function buildPythonTaskRoot(args: readonly string[]): PythonTaskRoot {
  const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-lambda-python-'));
  const zip = path.join(work, 'function.zip');
  const printed = execFileSync(process.execPath, ['scripts/build-lambda-python.mjs', ...args, '--out', zip], { encoding: 'utf8' });
  const dir = path.join(work, 'task');
  execFileSync('python3', ['-m', 'zipfile', '-e', zip, dir]);
  return { dir, zip, printed, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * Bundles a handler module (`entry`, relative to the project) into `root` as `<name>.mjs`, for handler
 * `<name>.<export>`; `external` packages are left to the task root's node_modules.
 */
export async function bundleFixture(root: TaskRoot, entry: string, name: string, external: string[] = []): Promise<void> {
  await build({
    entryPoints: [path.resolve(entry)],
    external,
    outfile: path.join(root.dir, `${name}.mjs`),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
}

/** Starts `handler` of the conformance fixture and waits (bounded) for its side server's control port. */
export async function startWithControl(root: TaskRoot, handler: string): Promise<LambdaFunction> {
  const started = await startFunction({ taskRoot: root.dir, handler });
  for (let i = 0; i < 200 && !started.progress.get('control'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return started;
}
