/**
 * Builds what the runtime client loads (it cannot load TypeScript): the deployable bundle of
 * app/lambda.ts through the project's own build script, and the test handler module, into a fresh
 * temporary task root. (A Python app's zip: test/build/artifacts.ts.)
 * @module
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: a plain ES module of the build scripts, without types.
import { artifactPyodide, bundleLambda } from '../../scripts/lambda-bundle.mjs';
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

/**
 * Bundles a handler module (`entry`, relative to the project) into `root` as `<name>.mjs`, for handler
 * `<name>.<export>`; in a `wsgi-edge build` artifact, its `import('pyodide')` finds the artifact's own.
 */
export async function bundleFixture(root: TaskRoot, entry: string, name: string): Promise<void> {
  await bundleLambda(path.resolve(entry), path.join(root.dir, `${name}.mjs`), { plugins: [artifactPyodide] });
}

/** Starts `handler` of the conformance fixture and waits (bounded) for its side server's control port. */
export async function startWithControl(root: TaskRoot, handler: string): Promise<LambdaFunction> {
  const started = await startFunction({ taskRoot: root.dir, handler });
  for (let i = 0; i < 200 && !started.progress.get('control'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return started;
}
