/**
 * Test helper: every supported Pyodide, so that a suite can run "under each". 0.27.7 is the package's
 * own devDependency `pyodide`; 314 is the alias `pyodide-314`.
 *
 * A child process (the CLI, `deno serve`, a Lambda or Workers build) finds Pyodide as a user's install
 * would: wsgi-edge's `import('pyodide')` resolves from wsgi-edge's own folder, realpaths followed. So
 * each version other than the default has a consumer folder, made once per run by the global setup
 * (`makePyodideConsumers`): `node_modules/wsgi-edge` a real copy of package.json and dist/, beside
 * `node_modules/pyodide`, a link to that version's package. It lies inside the repository (in dist/), so
 * the rest (deno, tsx, aws-lambda-ric...) still resolves from the repository's node_modules.
 * @module
 */

import { cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface PyodideVersion {
  /** The name tests show: `0.27.7`, `314`. */
  name: string;
  /** The exact version installed. */
  version: string;
  /** `"3.12"`, `"3.14"`. */
  python: string;
  /** Its package folder in the repository's node_modules. */
  folder: string;
  /**
   * The folder whose `wsgi-edge` resolves this Pyodide: the repository itself for the default, a consumer
   * folder for the others. Entry modules that import `wsgi-edge/...` go under it (`placeEntry`).
   */
  root: string;
  /** The built `wsgi-edge` command (the package's bin) that runs this Pyodide. */
  cli: string;
  /** True for the one the repository's own `import('pyodide')` gives (the devDependency `pyodide`). */
  isDefault: boolean;
  /** Whether `import sqlite3` works offline (the standard library has it from 314 on). */
  hasSqlite3: boolean;
}

/** Under dist/, which git ignores and the build makes anyway; not under node_modules, where Deno strips no types. */
const CONSUMERS = resolve('dist/.pyodide-consumers');

function describeVersion(name: string, packageName: string, python: string, isDefault: boolean): PyodideVersion {
  const folder = resolve('node_modules', packageName);
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
  const root = isDefault ? resolve('.') : join(CONSUMERS, name);
  const cli = isDefault ? resolve('dist/src/cli.js') : join(root, 'node_modules/wsgi-edge/dist/src/cli.js');
  return { name, version, python, folder, root, cli, isDefault, hasSqlite3: !python.startsWith('3.12') };
}

/** Every supported Pyodide, the default first. */
export const PYODIDE_VERSIONS: readonly PyodideVersion[] = [
  describeVersion('0.27.7', 'pyodide', '3.12', true),
  describeVersion('314', 'pyodide-314', '3.14', false),
];

export const PYODIDE_314: PyodideVersion = PYODIDE_VERSIONS[1]!;

/** `loadPyodide` of `version`'s package, for a suite that runs Python in its own process (`loadPythonApp({ pyodide })`). */
export async function loadPyodideOf(version: PyodideVersion, options: { stdout?: (line: string) => void; stderr?: (line: string) => void } = {}): Promise<import('pyodide').PyodideInterface> {
  const { loadPyodide } = (await import(join(version.folder, 'pyodide.mjs'))) as typeof import('pyodide');
  return loadPyodide(options);
}

/**
 * Makes the consumer folders from the freshly built dist/ (the global setup calls it once per run, after
 * the build). A stale copy would test yesterday's wsgi-edge: each run starts from nothing.
 */
export function makePyodideConsumers(): void {
  for (const version of PYODIDE_VERSIONS.filter((each) => !each.isDefault)) {
    rmSync(version.root, { recursive: true, force: true });
    const installed = join(version.root, 'node_modules');
    mkdirSync(join(installed, 'wsgi-edge'), { recursive: true });
    writeFileSync(join(version.root, 'package.json'), `${JSON.stringify({ name: `pyodide-${version.name}-consumer`, private: true, type: 'module' })}\n`);
    cpSync(resolve('package.json'), join(installed, 'wsgi-edge/package.json'));
    // Entry by entry: cpSync refuses to copy a folder into itself, even with the consumers filtered out.
    for (const entry of readdirSync('dist').filter((name) => resolve('dist', name) !== CONSUMERS)) {
      cpSync(resolve('dist', entry), join(installed, 'wsgi-edge/dist', entry), { recursive: true });
    }
    symlinkSync(realpathSync(version.folder), join(installed, 'pyodide'), 'dir');
  }
}

/**
 * The entry module `file` (a Worker, a `deno serve` module) as `version`'s consumer would write it: a copy
 * in its root whose imports of this repository's src/ name the consumer's built copy (dist/), whose
 * `pyodide` is that version, and whose other relative imports (Python sources, fixtures) name the
 * originals. Gives its path; for the default, the file itself.
 */
export function placeEntry(version: PyodideVersion, file: string): string {
  const original = resolve(file);
  if (version.isDefault) return original;
  const placed = join(version.root, 'entries', relative(resolve('.'), original));
  mkdirSync(dirname(placed), { recursive: true });
  const source = readFileSync(original, 'utf8').replace(RELATIVE_IMPORT, (_whole, head: string, specifier: string, tail: string) => {
    const target = resolve(dirname(original), specifier);
    const fromSrc = relative(resolve('src'), target);
    const rewritten = fromSrc.startsWith('..') ? target : join(version.root, 'node_modules/wsgi-edge/dist/src', fromSrc.replace(/\.ts$/, '.js'));
    return `${head}${rewritten}${tail}`;
  });
  writeFileSync(placed, source);
  return placed;
}

/** `from './x'`, `import('../y')`, `import '../z'`: the relative specifiers of a module. */
const RELATIVE_IMPORT = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)(['"])/g;
