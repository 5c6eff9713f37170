/**
 * The Deno target's own structural types agree with Deno's: `deno check` (Deno's TypeScript and its
 * `Deno` namespace) compiles a module using `handle(app)` as `Deno.ServeDefaultExport` and its `fetch`
 * as a `Deno.ServeHandler`. The module is written to a temporary folder so neither this project's
 * tsconfig (no Deno namespace) nor `npm run typecheck` (no Deno types) applies to it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoCheck, type Diagnostics } from '../helpers/typecheck.ts';
import { DENO, quietDenoEnv } from './deno.ts';

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

describe('deno check of the Deno target', () => {
  let dir: string;
  let checked: Diagnostics;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-deno-check-'));
    checked = await denoCheck(DENO, dir, {
      'served.ts': checkedModule('Deno.ServeDefaultExport'),
      'wrong-shape.ts': checkedModule('{ fetch(request: Request): Response }'),
    }, quietDenoEnv());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('handle(app) is a Deno.ServeDefaultExport and its fetch a Deno.ServeHandler', () => {
    expect(checked.of('served.ts')).toBe('');
    // Both modules were checked (deno names each), and the only diagnostics are the wrong shape's.
    expect(checked.output).toMatch(/^Check .*served\.ts$/m);
    expect(new Set(checked.files)).toEqual(new Set(['wrong-shape.ts']));
  });

  it('the same check rejects a wrong shape (so the check above means something)', () => {
    expect(checked.of('wrong-shape.ts')).toMatch(/TS\d+ \[ERROR\]/);
  });
});
