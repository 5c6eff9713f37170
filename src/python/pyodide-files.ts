/**
 * Which Pyodide is installed, and which of its files a deployment must carry: the one place that knows
 * how the supported versions differ on disk. 0.27.7 ships its Emscripten glue as `pyodide.asm.js`, 314.x
 * as `pyodide.asm.mjs`; the rest of the package (the CommonJS build, source maps, types, the consoles)
 * is not read by `loadPyodide`. Everything here is found from the folder at run time, so a builder or a
 * loader serves whichever supported Pyodide the user installed.
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The versions wsgi-edge runs and tests, as the peer dependency range names them. */
export const SUPPORTED_PYODIDE = '0.27.7 || ^314.0.0';

/** The Emscripten glue file: its name changed with 314. */
export type PyodideLoaderFile = 'pyodide.asm.js' | 'pyodide.asm.mjs';

/** An installed Pyodide package. */
export interface PyodideRuntime {
  /** The package folder (where `package.json` is). */
  folder: string;
  /** Its `version` (`"0.27.7"`, `"314.0.8"`). */
  version: string;
  /** `sys.version_info[:2]` that version embeds, as `"3.12"`, or null for an unsupported one. */
  python: string | null;
  /** The Emscripten glue, as named in this version. */
  loader: PyodideLoaderFile;
  /**
   * Every file `loadPyodide` reads from the folder (names relative to it, sorted): what a deployment copies
   * to `node_modules/pyodide/` beside its bundle.
   */
  files: string[];
}

/** The Python each supported Pyodide line embeds. */
const PYTHON_OF: ReadonlyArray<readonly [RegExp, string]> = [
  [/^0\.27\.7$/, '3.12'],
  [/^314\.\d+\.\d+$/, '3.14'],
];

/** Files every supported version reads besides its glue. */
const COMMON_FILES = ['package.json', 'pyodide.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];

/** True when `version` is one wsgi-edge supports (`SUPPORTED_PYODIDE`). */
export function isSupportedPyodide(version: string): boolean {
  return PYTHON_OF.some(([pattern]) => pattern.test(version));
}

/** The folder of the `pyodide` package that `from` (a file or folder; default: this module) resolves. */
export function installedPyodideFolder(from: string = import.meta.url): string {
  const base = from.startsWith('file:') ? from : path.join(path.resolve(from), 'noop.js');
  let manifest: string;
  try {
    manifest = createRequire(base).resolve('pyodide/package.json');
  } catch {
    throw new Error(`wsgi-edge: no pyodide package is installed where ${from.startsWith('file:') ? 'wsgi-edge' : from} looks for it: npm install pyodide@314 (or pyodide@0.27.7)`);
  }
  return path.dirname(manifest);
}

/**
 * The installed Pyodide in `folder` (default: the one wsgi-edge itself resolves): its version and the
 * files a deployment carries. Throws, naming what was found, when the folder holds no Pyodide or its glue
 * file is missing; an unsupported version is described (`python: null`), not refused, so that a caller
 * can say so in its own words.
 */
export function pyodideRuntime(folder: string = installedPyodideFolder()): PyodideRuntime {
  let version: unknown;
  try {
    ({ version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version?: unknown });
  } catch (error) {
    throw new Error(`wsgi-edge: ${folder} holds no readable Pyodide package.json: ${(error as Error).message}`);
  }
  if (typeof version !== 'string') throw new Error(`wsgi-edge: ${folder}/package.json has no version`);
  const loader: PyodideLoaderFile | undefined = (['pyodide.asm.mjs', 'pyodide.asm.js'] as const).find((name) => existsSync(path.join(folder, name)));
  if (loader === undefined) throw new Error(`wsgi-edge: Pyodide ${version} in ${folder} has neither pyodide.asm.mjs nor pyodide.asm.js`);
  const files = [...COMMON_FILES, loader].sort();
  const missing = files.filter((name) => !existsSync(path.join(folder, name)));
  if (missing.length > 0) throw new Error(`wsgi-edge: Pyodide ${version} in ${folder} lacks ${missing.join(', ')}`);
  const python = PYTHON_OF.find(([pattern]) => pattern.test(version))?.[1] ?? null;
  return { folder, version, python, loader, files };
}

/** One line saying why `version` is refused, for loaders and builders to throw. */
export function unsupportedPyodideMessage(version: string): string {
  return `wsgi-edge: Pyodide ${version} is not supported; install one of ${SUPPORTED_PYODIDE} (npm install pyodide@314 for Python 3.14 with sqlite3, pyodide@0.27.7 for Python 3.12)`;
}
