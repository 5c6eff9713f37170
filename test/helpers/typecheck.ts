/**
 * Type checks of consumer code in a temporary project: every module of one check goes through a single
 * compiler run (loading the libs and @types is most of a run's cost), and the diagnostics come back
 * grouped by module, so one module can be asserted clean while a misuse beside it must fail.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A compiler's output, split into its diagnostics by the module (file name) each is in. */
export interface Diagnostics {
  output: string;
  /** The diagnostics in `file`, '' when it has none. */
  of(file: string): string;
  /** The file of each diagnostic, in order; one that names no file (a config error) counts as '?'. */
  files: string[];
}

async function compile(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    if (failed.stdout === undefined) throw error;
    return `${failed.stdout}${failed.stderr ?? ''}`;
  }
}

/**
 * Writes `modules` (file name → source) into `dir` and runs this project's tsc once on `dir`'s
 * tsconfig.json, whose `files` or `include` must take them in. tsc's lines start with the file's path.
 */
export async function tscCheck(dir: string, modules: Record<string, string>): Promise<Diagnostics> {
  await writeModules(dir, modules);
  const output = await compile(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', dir, '--pretty', 'false'], {});
  // A diagnostic is its `path(line,col): error TS…` line and the indented lines that continue it.
  const diagnostics = output.split(/\n(?=\S)/).filter((diagnostic) => diagnostic.trim() !== '');
  return grouped(output, diagnostics, (diagnostic) => /^(\S+?)\(\d+,\d+\): /.exec(diagnostic)?.[1]);
}

/**
 * Writes `modules` into `dir` and runs `deno check` once on all of them (`env` with NO_COLOR). Deno ends each diagnostic with
 * an `at file:///…/name.ts:line:col` line; the diagnostic is the block of lines before it.
 */
export async function denoCheck(deno: string, dir: string, modules: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Diagnostics> {
  await writeModules(dir, modules);
  const output = await compile(deno, ['check', ...Object.keys(modules)], { cwd: dir, env });
  // Everything after deno's closing "error: Type checking failed." is its own backtrace; any other error (a module
  // that is not found) is a diagnostic too, so that a check that never ran cannot pass as clean.
  const diagnostics = output.split('\nerror: Type checking failed.')[0]!.split(/\n\s*\n/).filter((block) => /^TS\d+ \[ERROR\]|^error: /m.test(block));
  return grouped(output, diagnostics, (diagnostic) => /^\s*at (file:\/\/\S+?):\d+:\d+$/m.exec(diagnostic)?.[1]);
}

function writeModules(dir: string, modules: Record<string, string>): Promise<unknown> {
  return Promise.all(Object.entries(modules).map(([name, source]) => writeFile(join(dir, name), source)));
}

function grouped(output: string, diagnostics: string[], fileOf: (diagnostic: string) => string | undefined): Diagnostics {
  const files = diagnostics.map((diagnostic) => {
    const file = fileOf(diagnostic);
    return file === undefined ? '?' : basename(file);
  });
  return { output, files, of: (file) => diagnostics.filter((_, i) => files[i] === file).join('\n') };
}
