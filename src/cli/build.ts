/**
 * `wsgi-edge build <target> <app> [--pythonpath DIR[,DIR]] [--mount DIR[:AT]] [--out PATH] [--no-snapshot]`:
 * the command line read into the shared builder's options (src/build). The app is named as for
 * `wsgi-edge serve`, and the same folders go on sys.path.
 * @module
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { BuildError, buildArtifact } from '../build/index.ts';
import { PRESETS } from '../build/presets/index.ts';
import { parseMount, resolvePythonApp } from './target.ts';
import { UsageError } from './usage-error.ts';

export interface BuildCommand {
  target: string;
  spec: string;
  pythonPath: string[];
  mounts: string[];
  out: string | undefined;
  snapshot: boolean;
}

/** Builds; every mistake in the command or the app is a UsageError (one line, status 2). */
export async function runBuild(command: BuildCommand): Promise<void> {
  const preset = PRESETS[command.target];
  if (preset === undefined) {
    throw new UsageError(`wsgi-edge build: unknown target ${JSON.stringify(command.target)} (one of ${Object.keys(PRESETS).join(', ')})`);
  }
  const target = resolvePythonApp(command.spec, command.pythonPath, `wsgi-edge build ${command.target}`);
  const out = path.resolve(command.out ?? preset.defaultOut);
  try {
    const lines = await buildArtifact(preset, {
      app: target.app,
      folders: shippedFolders(target.module, target.path),
      mounts: command.mounts.map(parseMount),
      out,
      snapshot: command.snapshot,
      log: (line) => console.log(line),
      warn: (line) => console.warn(`wsgi-edge build: warning: ${line}`),
    });
    for (const line of lines) console.log(line);
  } catch (error) {
    if (error instanceof BuildError) throw new UsageError(`wsgi-edge build: ${error.message}`);
    throw error;
  }
}

/**
 * The sys.path folders a build ships: those `serve` would use, less the working folder (gunicorn's
 * default, which `serve` adds for a module named without a file) unless the module is found only there:
 * a project's root, with its build output and everything else, is not the app.
 */
function shippedFolders(module: string, folders: readonly string[]): string[] {
  const cwd = process.cwd();
  const top = module.split('.')[0]!;
  const holds = (folder: string) => existsSync(path.join(folder, `${top}.py`)) || existsSync(path.join(folder, top, '__init__.py'));
  const others = folders.filter((folder) => folder !== cwd);
  return others.length < folders.length && !others.some(holds) && holds(cwd) ? [...others, cwd] : others;
}
