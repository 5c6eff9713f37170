/**
 * The Deno target's own structural types agree with Deno's: `deno check` (Deno's TypeScript and its
 * `Deno` namespace) compiles a module using `handle(app)` as `Deno.ServeDefaultExport` and its `fetch`
 * as a `Deno.ServeHandler`. The module is written to a temporary folder so neither this project's
 * tsconfig (no Deno namespace) nor `npm run typecheck` (no Deno types) applies to it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENO, quietDenoEnv } from './deno.ts';

const run = promisify(execFile);
const source = (path: string) => pathToFileURL(resolve(path)).href;

function checkedModule(defaultExportType: string): string {
  return `
    import { handle } from '${source('src/targets/deno/index.ts')}';
    import type { WsgiApp } from '${source('src/index.ts')}';
    const app: WsgiApp = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(environ.REMOTE_ADDR)];
    };
    const served = handle(app);
    export default served satisfies ${defaultExportType};
    export const handler: Deno.ServeHandler = served.fetch;
  `;
}

async function denoCheck(dir: string, code: string): Promise<{ ok: boolean; output: string }> {
  const file = join(dir, `check-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(file, code);
  try {
    const { stdout, stderr } = await run(DENO, ['check', file], { env: quietDenoEnv(), cwd: dir });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('deno check of the Deno target', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-deno-check-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('handle(app) is a Deno.ServeDefaultExport and its fetch a Deno.ServeHandler', async () => {
    const result = await denoCheck(dir, checkedModule('Deno.ServeDefaultExport'));
    expect(result.output).not.toMatch(/error/i);
    expect(result.ok).toBe(true);
  });

  it('the same check rejects a wrong shape (so the check above means something)', async () => {
    const result = await denoCheck(dir, checkedModule('{ fetch(request: Request): Response }'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/TS\d+/);
  });
});
