/**
 * The sqlite3 guestbook (app/guestbook.py) on Lambda with Pyodide 314 installed beside wsgi-edge: the zip
 * `wsgi-edge build lambda` makes with it, served as a function URL (npm run lambda:local, the real runtime
 * client), answers as under CPython's wsgiref, its database a file in the unpacked task root (on Lambda,
 * whose task root is read-only, the app falls back to memory).
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
  zip = await buildLambdaArtifact(path.join(folder, 'guestbook.py'), [], { cli: PYODIDE_314.cli });
  server = await serveLambdaLocal(zip.zip, 'BUFFERED');
}, 240_000);
afterAll(async () => {
  await server?.stop();
  zip?.remove();
  rmSync(folder, { recursive: true, force: true });
});

test('answers as CPython does, from a zip built with Pyodide 314, in a file database', async () => {
  expect(await expectGuestbookAsCPython(server.url)).toBe('file');
  // The build's own import left no database behind in the zip: every process starts empty.
  expect(existsSync(path.join(zip.dir, 'python', path.basename(folder), 'guestbook.sqlite3'))).toBe(false);
}, 120_000);
