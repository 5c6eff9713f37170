/**
 * The published Cloudflare typings in a Worker project: a temporary project with
 * `@cloudflare/workers-types` as its globals (and no DOM) imports `wsgi-edge/cloudflare` from the built
 * declarations in dist/ and checks `handle<Env>(app) satisfies ExportedHandler<Env>`. It lives outside
 * this project so those globals never reach the rest of it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

function workerModule(exportedHandlerEnv: string): string {
  return `
    import { handle } from 'wsgi-edge/cloudflare';
    import type { WsgiApp } from 'wsgi-edge';
    interface Env { GREETING: string }
    const app: WsgiApp = (environ, startResponse) => {
      const env = environ['cloudflare.env'] as Env;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [env.GREETING];
    };
    export default handle<Env>(app) satisfies ExportedHandler<${exportedHandlerEnv}>;
  `;
}

async function typecheck(dir: string, code: string): Promise<{ ok: boolean; output: string }> {
  await writeFile(join(dir, 'worker.ts'), code);
  try {
    const { stdout } = await run(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', dir]);
    return { ok: true, output: stdout };
  } catch (error) {
    return { ok: false, output: (error as { stdout?: string }).stdout ?? String(error) };
  }
}

describe('the published Cloudflare typings in a Worker project', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-worker-types-'));
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2023'],
        types: [resolve('node_modules/@cloudflare/workers-types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        paths: {
          'wsgi-edge': [resolve('dist/src/index.d.ts')],
          'wsgi-edge/cloudflare': [resolve('dist/src/targets/cloudflare/index.d.ts')],
        },
      },
      files: ['worker.ts'],
    }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('handle<Env>(app) satisfies ExportedHandler<Env>', async () => {
    const result = await typecheck(dir, workerModule('Env'));
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('and not ExportedHandler of another Env (so the check above means something)', async () => {
    const result = await typecheck(dir, workerModule('{ OTHER: number }'));
    expect(result.ok).toBe(false);
    expect(result.output).toContain("Property 'GREETING' is missing");
  });
});
