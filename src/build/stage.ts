/**
 * Copying the app's folders into an artifact, keeping what the app relies on: symlinks are followed (a
 * dangling one is named and skipped), file dates are kept so that a static file's `Last-Modified` moves
 * with its content (clamped to SOURCE_DATE_EPOCH when it is set, as reproducible builds expect), and
 * what Pyodide cannot use or does not need is left out: compiled caches, dot-entries, node_modules,
 * earlier builds, and native extensions built for CPython (`.so`), which are named once at the end.
 * @module
 */

import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, statSync, utimesSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE as ARTIFACT_CONFIG } from './artifact.ts';

/** What a copy left out that the user should hear about. */
export interface CopyReport {
  /** One line each: a dangling symlink, a symlink loop. */
  warnings: string[];
  /** Native extension modules left out, as host paths. */
  nativeExtensions: string[];
}

export function newCopyReport(): CopyReport {
  return { warnings: [], nativeExtensions: [] };
}

/** SOURCE_DATE_EPOCH as a Date, or undefined when unset; a malformed value is an error, not ignored. */
export function sourceDateEpoch(value = process.env.SOURCE_DATE_EPOCH): Date | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`SOURCE_DATE_EPOCH must be a number of seconds, got ${JSON.stringify(value)}`);
  return new Date(Number(value) * 1000);
}

/** A file's date as the artifact records it: its own, no later than `clamp`. */
export function artifactDate(mtime: Date, clamp: Date | undefined): Date {
  return clamp !== undefined && mtime > clamp ? clamp : mtime;
}

/**
 * Copies the folder `source` to `target` (created), following symlinks. `exclude` is a host path left
 * out with everything under it (the build's own output, when it lies inside a shipped folder).
 */
export function copyFolder(source: string, target: string, report: CopyReport, options: { clamp?: Date; exclude?: string } = {}): void {
  const visiting = new Set<string>();
  const walk = (from: string, to: string): void => {
    const real = realpathSync(from);
    if (visiting.has(real)) {
      report.warnings.push(`${from} is a symlink loop back to ${real}: skipped`);
      return;
    }
    visiting.add(real);
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from).sort()) {
      const entry = path.join(from, name);
      if (!shippable(name) || entry === options.exclude) continue;
      const stats = followed(entry, report);
      if (stats === undefined) continue;
      if (stats.isDirectory() && existsSync(path.join(entry, ARTIFACT_CONFIG))) {
        report.warnings.push(`${entry} is an earlier wsgi-edge build: skipped`);
        continue;
      }
      if (stats.isDirectory()) walk(entry, path.join(to, name));
      else if (stats.isFile()) {
        if (name.endsWith('.so')) {
          report.nativeExtensions.push(entry);
          continue;
        }
        const copy = path.join(to, name);
        copyFileSync(entry, copy);
        const date = artifactDate(stats.mtime, options.clamp);
        utimesSync(copy, date, date);
      }
    }
    visiting.delete(real);
  };
  walk(source, target);
}

/** Copies one file, its date kept as copyFolder keeps it. */
export function copyFileKeepingDate(source: string, target: string, clamp?: Date): void {
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(source, target);
  const date = artifactDate(statSync(source).mtime, clamp);
  utimesSync(target, date, date);
}

function shippable(name: string): boolean {
  return !(name.startsWith('.') || name === '__pycache__' || name === 'node_modules' || name.endsWith('.pyc'));
}

/** The entry's own stats, or its target's for a symlink; undefined (with a warning) for a dangling one. */
function followed(entry: string, report: CopyReport): Stats | undefined {
  const own = lstatSync(entry);
  if (!own.isSymbolicLink()) return own;
  try {
    return statSync(entry);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    report.warnings.push(code === 'ELOOP' ? `${entry} is a symlink loop: skipped` : `${entry} is a dangling symlink: skipped`);
    return undefined;
  }
}

/** Every file under `dir`, as sorted relative POSIX paths. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
