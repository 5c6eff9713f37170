/**
 * `wsgi-edge build deno`: the staged artifact as a folder that `deno serve` serves with nothing else
 * installed (the shape Deno Deploy takes). The build prints the command, with the permissions it needs:
 * reading its own folder, and the environment for os.environ.
 * @module
 */

import path from 'node:path';
import { replaceFolder, type Preset } from '../../index.ts';

export const denoPreset: Preset = {
  name: 'deno',
  entry: 'main.mjs',
  defaultOut: '.wsgi-edge/deno',
  finish(stage, out) {
    replaceFolder(stage, out);
    const folder = path.relative(process.cwd(), out) || '.';
    return [`Wrote ${folder}/`, `Serve it with: ${denoServeCommand(folder)}`];
  },
};

/** The narrowest `deno serve` line for a built folder. */
export function denoServeCommand(folder: string): string {
  return `deno serve --allow-read=${folder} --allow-env ${folder}/main.mjs`;
}
