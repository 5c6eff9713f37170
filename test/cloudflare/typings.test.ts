/**
 * The published Cloudflare typings in a Worker project: a temporary project with
 * `@cloudflare/workers-types` as its globals (and no DOM) imports `wsgi-edge/cloudflare` from the built
 * declarations in dist/ and checks `handle<Env>(app) satisfies ExportedHandler<Env>`. It lives outside
 * this project so those globals never reach the rest of it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tscCheck, type Diagnostics } from '../helpers/typecheck.ts';

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

describe('the published Cloudflare typings in a Worker project', () => {
  let dir: string;
  let checked: Diagnostics;
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
      files: ['worker.ts', 'other-env.ts'],
    }));
    checked = await tscCheck(dir, { 'worker.ts': workerModule('Env'), 'other-env.ts': workerModule('{ OTHER: number }') });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('handle<Env>(app) satisfies ExportedHandler<Env>', () => {
    expect(checked.of('worker.ts')).toBe('');
    // The one run's only diagnostic is the other Env's: no config error kept worker.ts from being checked.
    expect(checked.files).toEqual(['other-env.ts']);
  });

  it('and not ExportedHandler of another Env (so the check above means something)', () => {
    expect(checked.of('other-env.ts')).toContain("Property 'GREETING' is missing");
  });
});
