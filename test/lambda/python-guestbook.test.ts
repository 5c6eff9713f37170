/**
 * The sqlite3 guestbook (app/guestbook.py) on Lambda with Pyodide 314 installed beside wsgi-edge: the zip
 * `wsgi-edge build lambda` makes with it, served as a function URL (npm run lambda:local, the real runtime
 * client), answers as under CPython's wsgiref, its database a file in the unpacked task root (on Lambda,
 * whose task root is read-only, the app falls back to memory). The app opens its database at import, which
 * a snapshot cannot carry: the build says so, and --no-snapshot builds it.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { expectGuestbookAsCPython, guestbookFolder } from '../app/guestbook-cases.ts';
import { buildLambdaArtifact, serveLambdaLocal, type LambdaArtifact } from '../build/artifacts.ts';
import type { ServerProcess } from '../deno/deno.ts';
import { PYODIDE_314 } from '../helpers/pyodide-versions.ts';

let folder: string;
let zip: LambdaArtifact;
let server: ServerProcess;

beforeAll(async () => {
  folder = guestbookFolder();
  zip = await buildLambdaArtifact(path.join(folder, 'guestbook.py'), ['--no-snapshot'], { cli: PYODIDE_314.cli });
  server = await serveLambdaLocal(zip.zip, 'BUFFERED');
}, 240_000);
afterAll(async () => {
  await server?.stop();
  zip?.remove();
  rmSync(folder, { recursive: true, force: true });
});

test('answers as CPython does, from a zip built with Pyodide 314, in a file database', async () => {
  expect(await expectGuestbookAsCPython(server.url)).toBe('file');
  // The build loaded the app, which created its database beside it: that is not shipped, and the build said so.
  expect(existsSync(path.join(zip.dir, 'python', path.basename(folder), 'guestbook.sqlite3'))).toBe(false);
  expect(zip.printed).toContain(`left out what the app wrote while it was loaded at build time: python/${path.basename(folder)}/guestbook.sqlite3`);
}, 120_000);
