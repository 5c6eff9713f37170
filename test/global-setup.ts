import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { SNAPSHOT_ONLY } from './helpers/environ.ts';
import { makePyodideConsumers, PYODIDE_VERSIONS } from './helpers/pyodide-versions.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A memory snapshot of test/faults/python/faults.py (`wsgi-edge snapshot`), for the suites that start it often. */
    pythonFaultsSnapshot: string;
    /** The same fixture's snapshot per supported Pyodide (test/helpers/pyodide-versions.ts), by version name, each made by that version's command. */
    pythonFaultsSnapshots: Record<string, string>;
  }
}

const run = promisify(execFile);

/**
 * Runtime tests load the built package (dist/), as users and other runtimes do: build it once, and copy it
 * where it resolves each supported Pyodide (test/helpers/pyodide-versions.ts). Beside it,
 * one snapshot of the Python fault fixture per supported Pyodide: its suites start it in a dozen processes,
 * and a snapshot restores in a third of a fresh Pyodide's CPU time.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const scratch = mkdtempSync(join(tmpdir(), 'wsgi-edge-test-'));
  const snapshot = join(scratch, 'faults.snapshot');
  const snapshots: Record<string, string> = {};
  const others = PYODIDE_VERSIONS.filter((version) => !version.isDefault);
  await Promise.all([
    // aws-lambda-ric's native client, for the Lambda suites: built once per machine (about a minute with
    // CMake), a no-op after. Here rather than in an install script, which would ship to the package's users.
    run(process.execPath, ['scripts/build-lambda-ric.mjs']),
    run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']).then(() =>
      Promise.all([run(process.execPath, ['scripts/finish-dist.mjs', 'dist']), run(process.execPath, ['scripts/bundle-runtimes.mjs', 'dist'])]))
      .then(makePyodideConsumers).then(() => Promise.all(others.map((version) => {
        snapshots[version.name] = join(scratch, `faults-${version.name}.snapshot`);
        return run(process.execPath, [version.cli, 'snapshot', 'test/faults/python/faults.py', '--out', snapshots[version.name]!]);
      }))),
    // With a variable only here: the tests that serve the snapshot show it never reaches os.environ.
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'snapshot', 'test/faults/python/faults.py', '--out', snapshot], {
      env: { ...process.env, [SNAPSHOT_ONLY]: 'set where the snapshot was made' },
    }),
  ]).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`test setup failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  project.provide('pythonFaultsSnapshot', snapshot);
  project.provide('pythonFaultsSnapshots', { ...snapshots, [PYODIDE_VERSIONS[0]!.name]: snapshot });
  return () => rmSync(scratch, { recursive: true, force: true });
}
