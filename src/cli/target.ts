/**
 * What `wsgi-edge serve` (and `snapshot`, `build`) serves, read from its argument as gunicorn reads an app:
 * - `path/app.py[:callable]`: a Python file, its folder first on `sys.path` (as `python path/app.py` has it);
 * - `package.module[:callable]`: a Python module found on `--pythonpath`, then the working directory
 *   (gunicorn's `--chdir` default);
 * - `path/app.ts[:export]` (`.js`, `.mjs`, `.mts`...): a JavaScript or TypeScript module.
 * A Python callable is anything gunicorn takes after the colon (`app`, `obj.attr`, `create_app()`,
 * `create_app('dev', debug=True)`), `application` by default: this module only finds where the file or
 * module ends; the bridge (wsgi_edge_bridge.parse_app_spec) reads the rest, under every runtime alike.
 * @module
 */

import { statSync } from 'node:fs';
import { basename, dirname, posix, resolve, sep } from 'node:path';
import type { WsgiApp } from '../core/types.ts';
import { loadPythonApp, SnapshotMismatchError, type PythonAppOptions } from '../python/index.ts';
import { loadJavaScriptApp } from './javascript-app.ts';
import { UsageError } from './usage-error.ts';

/** A Python app as the command line named it, resolved against the file system. */
export interface PythonApp {
  /** For loadPythonApp({ app }) and snapshots: `module:callable`, the callable as it was written. */
  app: string;
  module: string;
  /** What follows the module's colon (`application` when nothing does): a name, `obj.attr` or a factory's call. */
  callable: string;
  /** Folders for sys.path, absolute, in order: a file's own folder first, then --pythonpath's, then (for a module) the working folder. */
  path: string[];
  /** The file, absolute, when the app was named as `path/app.py`. */
  file?: string;
  /** As it was named, for messages: `path/app.py:create_app()`. */
  label: string;
}

export type Target =
  | { kind: 'javascript'; path: string; exportName: string | undefined }
  | ({ kind: 'python'; snapshot?: string; mounts?: Record<string, string> } & PythonApp);

export interface LoadedTarget {
  app: WsgiApp;
  label: string;
}

const JAVASCRIPT = /\.[cm]?[jt]sx?$/;
const JS_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const PY_IDENTIFIER = /^[A-Za-z_]\w*$/;
const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/**
 * Reads the target; `pythonPath` is `--pythonpath`'s folders, in order; `snapshot` the file of `--snapshot`.
 * Throws a UsageError saying what is wrong: a missing file or folder, or a spelling that names nothing.
 */
export function parseTarget(spec: string, pythonPath: readonly string[], snapshot?: string): Target {
  const { base, name } = splitSpec(spec);
  const folders = pythonPath.map((folder) => existingFolder(folder));
  const callable = name || 'application';
  if (base.endsWith('.py')) {
    const file = resolve(base);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`No Python file at ${file}`);
    const module = basename(file).slice(0, -'.py'.length);
    if (!PY_IDENTIFIER.test(module)) {
      throw new UsageError(`${base}: a Python file's name must be a module name (letters, digits, _), got ${JSON.stringify(module)}`);
    }
    return python({ app: `${module}:${callable}`, module, callable, path: unique([dirname(file), ...folders]), file, label: `${base}:${callable}` }, snapshot);
  }
  if (JAVASCRIPT.test(base)) {
    if (folders.length > 0) throw new UsageError(`--pythonpath is for a Python app; ${spec} is a JavaScript module`);
    if (name !== undefined && !JS_IDENTIFIER.test(name)) throw new UsageError(`${spec}: a JavaScript export is named by one identifier`);
    return { kind: 'javascript', path: base, exportName: name };
  }
  if (DOTTED_NAME.test(base)) {
    return python({ app: `${base}:${callable}`, module: base, callable, path: unique([...folders, process.cwd()]), label: `${base}:${callable}` }, snapshot);
  }
  throw new UsageError(notAnApp(spec));
}

/**
 * The Python app `spec` names, with `pythonPath` (`--pythonpath`'s folders) resolved: for commands that
 * take only a Python app (`snapshot`, `build`). `command` names the command in the message refusing a
 * JavaScript module.
 */
export function resolvePythonApp(spec: string, pythonPath: readonly string[], command: string): PythonApp {
  const target = parseTarget(spec, pythonPath);
  if (target.kind !== 'python') throw new UsageError(`${command} takes a Python app (got ${JSON.stringify(spec)}, a JavaScript module)`);
  const { kind: _kind, snapshot: _snapshot, ...app } = target;
  return app;
}

/**
 * Where the file or module ends: at the first colon after which the rest is the callable, trying first
 * a colon that ends the name of an existing file (a folder's name may hold a colon), then one that ends
 * a module name or a file name (the callable may hold colons, in a factory's string arguments).
 */
function splitSpec(spec: string): { base: string; name: string | undefined } {
  const colons: number[] = [];
  for (let at = spec.indexOf(':'); at !== -1; at = spec.indexOf(':', at + 1)) {
    if (at === 1 && WINDOWS_DRIVE.test(spec)) continue;
    colons.push(at);
  }
  const isFileName = (base: string) => base.endsWith('.py') || JAVASCRIPT.test(base);
  const at = colons.find((colon) => isFileName(spec.slice(0, colon)) && statSync(spec.slice(0, colon), { throwIfNoEntry: false })?.isFile())
    ?? colons.find((colon) => DOTTED_NAME.test(spec.slice(0, colon)) || isFileName(spec.slice(0, colon)));
  return at === undefined ? { base: spec, name: undefined } : { base: spec.slice(0, at), name: spec.slice(at + 1) };
}

function notAnApp(spec: string): string {
  const expected = 'name a Python module (package.module[:callable]), a Python file (path/app.py[:callable]) ' +
    'or a JavaScript module (path/app.js[:export])';
  // 'flaskr.create_app()': the colon written as a dot.
  const call = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*\(.*)$/s.exec(spec);
  const hint = call ? `: did you mean ${JSON.stringify(`${call[1]}:${call[2]}`)}?` : `: ${expected}`;
  return `${JSON.stringify(spec)} is not an app${hint}`;
}

function python(app: PythonApp, snapshot: string | undefined): Target {
  return snapshot === undefined ? { kind: 'python', ...app } : { kind: 'python', ...app, snapshot: resolve(snapshot) };
}

function unique(folders: string[]): string[] {
  return [...new Set(folders)];
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
    const app = await loadPythonApp({ app: target.app, path: target.path, mounts: target.mounts, ...snapshot, ...options });
    return { app, label: target.label };
  } catch (error) {
    // loadPythonApp's message already names the module, the callable and sys.path, with the traceback.
    if (error instanceof SnapshotMismatchError) throw new UsageError(error.message);
    if (error instanceof Error && /^wsgi-edge: cannot (load the Python app|read the snapshot)/.test(error.message)) throw new UsageError(error.message);
    throw error;
  }
}

/** `--mount DIR` (mounted at its own absolute path) or `--mount DIR:AT`. */
export function parseMount(value: string): { host: string; at: string } {
  const colon = value.indexOf(':', 2);
  const host = resolve(colon === -1 ? value : value.slice(0, colon));
  const at = colon === -1 ? host.split(sep).join('/') : value.slice(colon + 1);
  if (!at.startsWith('/')) throw new UsageError(`--mount ${value}: the place inside Python must be an absolute path`);
  return { host, at: posix.normalize(at) };
}
