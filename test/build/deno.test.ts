/**
 * `wsgi-edge build deno` under a real `deno serve`, run with exactly the command the build printed: the
 * seed's Python app answers every seed case as CPython's own app does, from the folder's snapshot; an app
 * folder's files arrive as the app relies on them (symlinks followed, dangling ones and CPython's native
 * extensions named and left out, dates kept for Last-Modified, a --mount folder at its fixed path).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import type { ServerProcess } from '../deno/deno.ts';
import { AWKWARD_VALUE, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';
import { startTogether } from '../helpers/start-together.ts';
import { buildDenoArtifact, servePrinted, type DenoArtifact } from './artifacts.ts';

const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-deno-app-'));
const appFolder = path.join(work, 'site');
const zoneFolder = path.join(work, 'zoneinfo');
const blob = randomBytes(70_000);
/** A date in the past, to the second, that a copy would not keep by accident. */
const DATED = new Date('2024-03-05T06:07:08Z');

let seed: DenoArtifact;
let files: DenoArtifact;
let seedServer: ServerProcess;
let filesServer: ServerProcess;
let filesStartedAt: number;

beforeAll(async () => {
  mkdirSync(path.join(appFolder, 'data'), { recursive: true });
  mkdirSync(path.join(appFolder, '__pycache__'));
  mkdirSync(zoneFolder);
  copyFileSync('test/build/fixtures/files_app.py', path.join(appFolder, 'files_app.py'));
  writeFileSync(path.join(appFolder, 'data', 'blob.bin'), blob);
  writeFileSync(path.join(appFolder, 'data', 'target.txt'), 'reached through a symlink\n');
  utimesSync(path.join(appFolder, 'data', 'blob.bin'), DATED, DATED);
  symlinkSync('data/target.txt', path.join(appFolder, 'link.txt'));
  symlinkSync('data/gone.txt', path.join(appFolder, 'dangling.txt'));
  writeFileSync(path.join(appFolder, '_speedups.cpython-311-x86_64-linux-gnu.so'), 'not for Pyodide');
  writeFileSync(path.join(appFolder, '__pycache__', 'files_app.cpython-311.pyc'), 'stale');
  writeFileSync(path.join(zoneFolder, 'UTC'), 'TZif-like bytes');

  const builds = await Promise.all([
    buildDenoArtifact('app/wsgi_app.py:simple_app'),
    buildDenoArtifact(`${path.join(appFolder, 'files_app.py')}:create_app('hello from the factory')`, ['--mount', `${zoneFolder}:/usr/share/zoneinfo`],
      { env: { ...process.env, [SNAPSHOT_ONLY]: 'set where the folder was built' } }),
  ]);
  [seed, files] = builds;
  filesStartedAt = Date.now();
  [seedServer, filesServer] = await startTogether([servePrinted(seed), servePrinted(files, { [RUN_ONLY]: AWKWARD_VALUE })]);
}, 240_000);
afterAll(async () => {
  await Promise.all([seedServer?.stop(), filesServer?.stop()]);
  seed?.remove();
  files?.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('the seed\'s Python app, from wsgi-edge build deno', () => {
  test('the build prints the narrowest deno serve line: read its folder, and the environment', () => {
    expect(seed.printed).toContain(`Serve it with: deno serve --allow-read=${path.relative(process.cwd(), seed.dir)} --allow-env ${path.relative(process.cwd(), seed.dir)}/main.mjs`);
  });

  test('answers as CPython does, byte for byte', async () => {
    await expectAnswersAsCPython(`${seedServer.url}/`);
  });

  test('starts from its snapshot', () => {
    expect(seedServer.output()).toMatch(/wsgi-edge: Python app wsgi_app:simple_app loaded from its snapshot in \d+ ms/);
  });
});

describe('an app folder\'s files, from wsgi-edge build deno', () => {
  const get = (route: string) => fetch(`${filesServer.url}${route}`);

  test('the module was imported at build time: the server restored it', async () => {
    const importedAt = Number(await (await get('/imported-at')).text()) * 1000;
    expect(importedAt).toBeGreaterThan(0);
    expect(importedAt).toBeLessThan(filesStartedAt);
  });

  test('os.environ is the serving process\'s (--allow-env), none of the build\'s; the factory ran with it, with its literal argument', async () => {
    expect(await (await get(`/environ?${RUN_ONLY}`)).text()).toBe(`'${AWKWARD_VALUE.replace(/'/g, "\\'")}'`);
    expect(await (await get(`/environ?${SNAPSHOT_ONLY}`)).text()).toBe('None');
    expect(await (await get('/factory')).text()).toBe(`('hello from the factory', '${AWKWARD_VALUE.replace(/'/g, "\\'")}')`);
  });

  test('a binary file arrives byte for byte, its Last-Modified the file\'s own date', async () => {
    const answer = await get('/file/data/blob.bin');
    expect(answer.status).toBe(200);
    expect(Buffer.from(await answer.arrayBuffer()).equals(blob)).toBe(true);
    expect(answer.headers.get('last-modified')).toBe(DATED.toUTCString());
  });

  test('a symlinked file is shipped as the file it points to', async () => {
    const answer = await get('/file/link.txt');
    expect(await answer.text()).toBe('reached through a symlink\n');
  });

  test('a --mount folder is read at its fixed path', async () => {
    expect(await (await get('/abs/usr/share/zoneinfo/UTC')).text()).toBe('TZif-like bytes');
  });

  test('a dangling symlink and a CPython extension are named in warnings and left out, as are caches', () => {
    expect(files.printed).toContain(`wsgi-edge build: warning: ${path.join(appFolder, 'dangling.txt')} is a dangling symlink: skipped`);
    expect(files.printed).toContain(`native extension module(s) built for CPython, which Pyodide cannot load: ${path.join(appFolder, '_speedups.cpython-311-x86_64-linux-gnu.so')}`);
    expect(readdirSync(path.join(files.dir, 'python', 'site')).sort()).toEqual(['data', 'files_app.py', 'link.txt']);
  });
});
