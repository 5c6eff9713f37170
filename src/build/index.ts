/**
 * The shared builder below `wsgi-edge build <target>`: it stages a Python app as an artifact (see
 * ./artifact.ts for the layout), loads the app there once in a fresh Pyodide (so a spec that names
 * nothing or an import that fails is found at build time, not at the first request in production),
 * writes the memory snapshot from that load, and hands the staged folder to the target's preset
 * (presets/<target>/build.ts), which makes the output and checks the platform's limits.
 * @module
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPythonApp, snapshotPythonApp } from '../python/index.ts';
import { pyodideRuntime, unsupportedPyodideMessage, type PyodideRuntime } from '../python/pyodide-files.ts';
import { artifactAppOptions, CONFIG_FILE, SNAPSHOT_FILE, type ArtifactConfig } from './artifact.ts';
import { artifactDate, copyFileKeepingDate, copyFolder, listFiles, newCopyReport, sourceDateEpoch, type CopyReport } from './stage.ts';

/** A build that cannot go on: one line for the user, exit status 2. */
export class BuildError extends Error {}

/** What a preset does with the staged artifact. */
export interface Preset {
  name: string;
  /** The runtime entry's file name in the artifact (the bundle dist/runtime/<name>.mjs, copied). */
  entry: string;
  /**
   * Where the output goes without --out, relative to the working folder: under a dot-folder, which no
   * build ships, since the working folder is often the app's own.
   */
  defaultOut: string;
  /** Turns the staged folder into `out` (it may move or remove `stage`); gives the lines to print. */
  finish(stage: string, out: string): string[];
}

export interface BuildOptions {
  /** The app spec for the bridge (`module:callable`, `module:factory(...)`). */
  app: string;
  /** Host folders for sys.path, in order (the app file's folder, --pythonpath). */
  folders: readonly string[];
  /** Host folders the app reads at a fixed path (--mount): shipped, and mounted there. */
  mounts: ReadonlyArray<{ host: string; at: string }>;
  /** The output (a zip or a folder), absolute. */
  out: string;
  /** Make a memory snapshot (the default); without one the artifact starts Python from scratch. */
  snapshot: boolean;
  /** Progress and warnings, a line each. */
  log(line: string): void;
  warn(line: string): void;
}

/** Stages, loads and snapshots the app, then lets `preset` make the output; gives the lines it printed. */
export async function buildArtifact(preset: Preset, options: BuildOptions): Promise<string[]> {
  const outParent = path.dirname(options.out);
  try {
    mkdirSync(outParent, { recursive: true });
  } catch (error) {
    throw new BuildError(`cannot write ${options.out}: ${(error as Error).message}`);
  }
  let stage: string;
  try {
    // Beside the output, so that a folder output is a rename, and an unwritable place fails now.
    stage = mkdtempSync(path.join(outParent, '.wsgi-edge-build-'));
  } catch (error) {
    throw new BuildError(`cannot write into ${outParent}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const clamp = sourceDateEpoch();
    const report = newCopyReport();
    const config = stageApp(stage, options, report, clamp);
    stageRuntime(stage, preset, clamp);
    for (const warning of report.warnings) options.warn(warning);
    if (report.nativeExtensions.length > 0) {
      options.warn(`left out ${report.nativeExtensions.length} native extension module(s) built for CPython, which Pyodide cannot load: ` +
        report.nativeExtensions.join(', '));
    }
    config.snapshot = options.snapshot ? SNAPSHOT_FILE : null;
    const staged = new Set(listFiles(stage));
    await loadInStage(stage, config, options);
    dropWhatTheLoadWrote(stage, staged, config, options);
    writeFileSync(path.join(stage, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    // What the build wrote is dated now, or SOURCE_DATE_EPOCH when that is earlier.
    const now = artifactDate(new Date(), clamp);
    for (const written of [CONFIG_FILE, config.snapshot]) if (written !== null) utimesSync(path.join(stage, written), now, now);
    return preset.finish(stage, options.out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Files the app wrote into its own folders while it was loaded here (a database it creates at import, a
 * cache) are the build machine's state, not the app: they are left out, and named.
 */
function dropWhatTheLoadWrote(stage: string, staged: ReadonlySet<string>, config: ArtifactConfig, options: BuildOptions): void {
  const written = listFiles(stage).filter((file) => !staged.has(file) && file !== config.snapshot);
  for (const file of written) rmSync(path.join(stage, file));
  if (written.length > 0) options.warn(`left out what the app wrote while it was loaded at build time: ${written.join(', ')}`);
}

/** Copies the app's folders and mounts into the stage; gives the config naming them. */
function stageApp(stage: string, options: BuildOptions, report: CopyReport, clamp: Date | undefined): ArtifactConfig {
  const names: string[] = [];
  const relativePath = options.folders.map((folder) => {
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new BuildError(`no folder at ${folder}`);
    const name = uniqueName(path.basename(folder) || 'root', names);
    names.push(name);
    copyFolder(folder, path.join(stage, 'python', name), report, { clamp, exclude: options.out });
    return `python/${name}`;
  });
  const mounts: Record<string, string> = {};
  for (const { host, at } of options.mounts) {
    if (!statSync(host, { throwIfNoEntry: false })?.isDirectory()) throw new BuildError(`--mount: no folder at ${host}`);
    const relative = path.posix.join('mounts', at);
    copyFolder(host, path.join(stage, relative), report, { clamp, exclude: options.out });
    mounts[at] = relative;
  }
  return { app: options.app, path: relativePath, mounts, snapshot: null, pyodide: '' };
}

/** Pyodide's runtime files, the bridge's Python half and the preset's runtime entry. */
function stageRuntime(stage: string, preset: Preset, clamp: Date | undefined): void {
  const pyodide = installedPyodide();
  for (const name of pyodide.files) copyFileKeepingDate(path.join(pyodide.folder, name), path.join(stage, 'pyodide', name), clamp);
  copyFileKeepingDate(fileURLToPath(new URL('../python/wsgi_edge_bridge.py', import.meta.url)), path.join(stage, 'wsgi_edge_bridge.py'), clamp);
  const entry = fileURLToPath(new URL(`../../runtime/${preset.name}.mjs`, import.meta.url));
  if (!existsSync(entry)) throw new BuildError(`this wsgi-edge has no runtime entry for ${preset.name} (${entry}): run npm run build`);
  copyFileKeepingDate(entry, path.join(stage, preset.entry), clamp);
}

/** The Pyodide installed beside this package (the one the snapshot is made with), if wsgi-edge supports it. */
function installedPyodide(): PyodideRuntime {
  let pyodide: PyodideRuntime;
  try {
    pyodide = pyodideRuntime();
  } catch (error) {
    throw new BuildError((error as Error).message.replace(/^wsgi-edge: /, ''));
  }
  if (pyodide.python === null) throw new BuildError(unsupportedPyodideMessage(pyodide.version).replace(/^wsgi-edge: /, ''));
  return pyodide;
}

/**
 * Loads the app as the artifact will (mounted at ARTIFACT_ROOT), in a fresh Pyodide; writes the
 * snapshot when `config.snapshot` names one. Python's environment is Pyodide's own here, never the
 * build machine's: the artifact's runtime applies its own at restore.
 */
async function loadInStage(stage: string, config: ArtifactConfig, options: BuildOptions): Promise<void> {
  const appOptions = artifactAppOptions(config, stage);
  const started = Date.now();
  try {
    if (config.snapshot === null) {
      const { loadPyodide, version } = await import('pyodide');
      config.pyodide = version;
      await loadPythonApp({ ...appOptions, pyodide: loadPyodide() });
    } else {
      const header = await snapshotPythonApp(appOptions, path.join(stage, config.snapshot));
      config.pyodide = header.pyodide;
    }
  } catch (error) {
    const message = firstLine((error as Error).message).replace(/^wsgi-edge: /, '');
    throw new BuildError(message.startsWith('cannot snapshot') ? `${message}; wsgi-edge build --no-snapshot ships the app without one` : message);
  }
  options.log(`Loaded ${config.app} in Pyodide ${config.pyodide}${config.snapshot === null ? '' : ' and wrote its memory snapshot'} in ${Date.now() - started} ms`);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/** `name`, or `name-2`, `name-3`... if a folder of that name is already shipped. */
function uniqueName(name: string, taken: readonly string[]): string {
  let candidate = name;
  for (let n = 2; taken.includes(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}

/** Moves the finished `stage` to `out`, replacing an earlier build there, never a folder of the user's. */
export function replaceFolder(stage: string, out: string): void {
  if (existsSync(out)) {
    if (readdirSync(out).length > 0 && !existsSync(path.join(out, CONFIG_FILE))) {
      throw new BuildError(`${out} exists and is not a wsgi-edge build: choose another --out`);
    }
    rmSync(out, { recursive: true, force: true });
  }
  renameSync(stage, out);
}

/** Sizes as the build prints them. */
export function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
