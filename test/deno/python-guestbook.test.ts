/**
 * The sqlite3 guestbook (app/guestbook.py) under a real `deno serve` with Pyodide 314 installed (its
 * consumer folder: test/helpers/pyodide-versions.ts): answers as under CPython's wsgiref, its database
 * a file beside the app on the host.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGuestbookAsCPython, guestbookFolder } from '../app/guestbook-cases.ts';
import { PYODIDE_314, placeEntry } from '../helpers/pyodide-versions.ts';
import { denoServe, type DenoServer } from './deno.ts';

describe('the sqlite3 guestbook under deno serve, Pyodide 314', () => {
  let server: DenoServer;
  let folder: string;
  beforeAll(async () => {
    folder = guestbookFolder();
    server = await denoServe(placeEntry(PYODIDE_314, 'test/deno/guestbook-server.ts'),
      ['--allow-read', `--allow-write=${folder}`, '--allow-env=GUESTBOOK_DIR'], { GUESTBOOK_DIR: folder });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers as CPython does, in a file database beside the app', async () => {
    expect(await expectGuestbookAsCPython(server.url)).toBe('file');
    expect(existsSync(join(folder, 'guestbook.sqlite3'))).toBe(true);
  });
});
