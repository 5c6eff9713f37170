/**
 * What `wsgi-edge serve` serves, read from its argument as gunicorn reads `module:callable`:
 * - `path/app.py[:callable]`: a Python file, its folder first on `sys.path` (as `python path/app.py` has it);
 * - `package.module[:callable]`: a Python module found on `--pythonpath`, then the working directory
 *   (gunicorn's `--chdir` default);
 * - `path/app.ts[:export]` (`.js`, `.mjs`, `.mts`...): a JavaScript or TypeScript module.
 * A Python callable defaults to `application`, as in gunicorn.
 * @module
 */

import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { WsgiApp } from '../core/types.ts';
import { loadPythonApp, SnapshotMismatchError, type PythonAppOptions } from '../python/index.ts';
import { loadJavaScriptApp } from './javascript-app.ts';
import { UsageError } from './usage-error.ts';

export type Target =
  | { kind: 'javascript'; path: string; exportName: string | undefined }
  | { kind: 'python'; module: string; callable: string; path: string[]; label: string; snapshot?: string };

export interface LoadedTarget {
  app: WsgiApp;
  label: string;
}

const JAVASCRIPT = /\.[cm]?[jt]sx?$/;
const JS_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const PY_IDENTIFIER = /^[A-Za-z_]\w*$/;
const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
/** What may follow the last `:`: a JavaScript export, or a Python attribute path (`app.wsgi`). */
const CALLABLE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_]\w*)*$/;

/** Reads the target; `pythonPath` is `--pythonpath`'s folders, in order; `snapshot` the file of `--snapshot`. */
export function parseTarget(spec: string, pythonPath: readonly string[], snapshot?: string): Target {
  const colon = spec.lastIndexOf(':');
  // colon > 1: a Windows drive letter's colon is not a separator.
  const split = colon > 1 && CALLABLE.test(spec.slice(colon + 1));
  const base = split ? spec.slice(0, colon) : spec;
  const name = split ? spec.slice(colon + 1) : undefined;
  const folders = pythonPath.map((folder) => existingFolder(folder));

  if (base.endsWith('.py')) {
    const file = resolve(base);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`No Python file at ${file}`);
    const module = basename(file).slice(0, -'.py'.length);
    if (!PY_IDENTIFIER.test(module)) {
      throw new UsageError(`${base}: a Python file's name must be a module name (letters, digits, _), got ${JSON.stringify(module)}`);
    }
    return python(module, name, [dirname(file), ...folders], `${base}:${name ?? 'application'}`, snapshot);
  }
  if (!JAVASCRIPT.test(base) && DOTTED_NAME.test(base)) {
    return python(base, name, [...folders, process.cwd()], `${base}:${name ?? 'application'}`, snapshot);
  }
  if (folders.length > 0) throw new UsageError(`--pythonpath is for a Python app; ${spec} is a JavaScript module`);
  if (name !== undefined && !JS_IDENTIFIER.test(name)) throw new UsageError(`${spec}: a JavaScript export is named by one identifier`);
  return { kind: 'javascript', path: base, exportName: name };
}

function python(module: string, callable: string | undefined, path: string[], label: string, snapshot: string | undefined): Target {
  const target: Target = { kind: 'python', module, callable: callable ?? 'application', path: [...new Set(path)], label };
  if (snapshot !== undefined) target.snapshot = resolve(snapshot);
  return target;
}

function existingFolder(folder: string): string {
  const absolute = resolve(folder);
  if (!statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--pythonpath: no folder at ${absolute}`);
  return absolute;
}

export async function loadTarget(
  target: Target,
  options: Pick<PythonAppOptions, 'multiprocess' | 'onFatal'>,
): Promise<LoadedTarget> {
  if (target.kind === 'javascript') return loadJavaScriptApp(target.path, target.exportName);
  try {
    const snapshot = target.snapshot === undefined ? {} : { snapshot: target.snapshot };
    const app = await loadPythonApp({ app: `${target.module}:${target.callable}`, path: target.path, ...snapshot, ...options });
    return { app, label: target.label };
  } catch (error) {
    // loadPythonApp's message already names the module, the callable and sys.path, with the traceback.
    if (error instanceof SnapshotMismatchError) throw new UsageError(error.message);
    if (error instanceof Error && /^wsgi-edge: cannot (load the Python app|read the snapshot)/.test(error.message)) throw new UsageError(error.message);
    throw error;
  }
}
