/**
 * os.environ of a Python app under a real `deno serve` (test/deno/python-environ-server.ts, restored from
 * the global snapshot of test/faults/python/faults.py): with `--allow-env`, the process environment as
 * CPython would show it and nothing of where the snapshot was made; without it, none of it, said once.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AWKWARD_VALUE, expectProcessEnvironment, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';
import { denoServe, quietDenoEnv, type DenoServer } from './deno.ts';

const ENTRY = 'test/deno/python-environ-server.ts';
const SNAPSHOT = [inject('pythonFaultsSnapshot')];
const ENV = { [RUN_ONLY]: AWKWARD_VALUE };
const REFUSED = 'wsgi-edge: Deno runs without --allow-env, so the Python app\'s os.environ holds none of the process environment (give --allow-env to pass it)';

async function osEnviron(server: DenoServer): Promise<Record<string, string>> {
  const response = await fetch(new URL('os-environ', `${server.url}/`));
  expect(response.status).toBe(200);
  return ((await response.json()) as { environ: Record<string, string> }).environ;
}

describe('os.environ under deno serve --allow-env', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(ENTRY, ['--allow-read', '--allow-env'], ENV, SNAPSHOT);
  });
  afterAll(() => server?.stop());

  it('is the process environment, none of where the snapshot was made', async () => {
    const environ = await osEnviron(server);
    expect(environ[RUN_ONLY]).toBe(AWKWARD_VALUE);
    expect(environ[SNAPSHOT_ONLY]).toBeUndefined();
    expectProcessEnvironment(environ, quietDenoEnv(ENV));
    expect(server.output()).not.toContain('--allow-env');
  });
});

describe('os.environ under deno serve without --allow-env', () => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(ENTRY, ['--allow-read'], ENV, SNAPSHOT);
  });
  afterAll(() => server?.stop());

  it('holds only Pyodide\'s own variables, and the console said why once', async () => {
    const environ = await osEnviron(server);
    expect(Object.keys(environ).sort()).toEqual(['HOME', 'LD_LIBRARY_PATH']);
    expect(environ.HOME).toBe('/home/pyodide');
    await osEnviron(server);
    expect(server.output().split(REFUSED)).toHaveLength(2);
  });
});
