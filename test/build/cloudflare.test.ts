/**
 * `wsgi-edge build cloudflare` under `wrangler dev`, run with exactly the line the build printed (workerd,
 * offline): the seed's Python app answers every seed case as CPython's own app does, restored from the
 * snapshot made at build time, under each supported Pyodide; an app folder's files arrive byte for byte
 * whatever their extension (a random blob served from the archive as it is, a template inflated on
 * first read), dated as the source, a --mount folder at its fixed path; os.environ holds the Worker's
 * `vars`, none of the build machine's.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import type { ServerProcess } from '../deno/deno.ts';
import { AWKWARD_VALUE, RUN_ONLY, SNAPSHOT_ONLY } from '../helpers/environ.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { startTogether } from '../helpers/start-together.ts';
import { buildCloudflareArtifact, wranglerDevPrinted, type DenoArtifact } from './artifacts.ts';

const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-cloudflare-app-'));
const appFolder = path.join(work, 'site');
const zoneFolder = path.join(work, 'zoneinfo');
const blob = randomBytes(70_000);
/** Text that deflates well, with bytes beyond ASCII: the archive stores it deflated. */
const template = `<!doctype html>\n<title>{{ title }}</title>\n${'<p>Grüße, {{ name }} ☃</p>\n'.repeat(200)}`;
/** A gettext catalog's magic number and then binary: an extension no wrangler rule knows. */
const catalog = Buffer.concat([Buffer.from([0xde, 0x12, 0x04, 0x95]), randomBytes(3000), Buffer.alloc(3000)]);
const DATED = new Date('2024-03-05T06:07:08Z');
const BUILD_MS = 240_000;

const seeds = new Map<string, { artifact: DenoArtifact; server: ServerProcess }>();
let files: DenoArtifact;
let filesServer: ServerProcess;
let filesStartedAt: number;

beforeAll(async () => {
  mkdirSync(path.join(appFolder, 'data'), { recursive: true });
  mkdirSync(path.join(appFolder, 'templates'));
  mkdirSync(path.join(appFolder, 'locale', 'de', 'LC_MESSAGES'), { recursive: true });
  mkdirSync(zoneFolder);
  copyFileSync('test/build/fixtures/files_app.py', path.join(appFolder, 'files_app.py'));
  writeFileSync(path.join(appFolder, 'data', 'blob.bin'), blob);
  writeFileSync(path.join(appFolder, 'templates', 'page.html'), template);
  writeFileSync(path.join(appFolder, 'locale', 'de', 'LC_MESSAGES', 'django.mo'), catalog);
  utimesSync(path.join(appFolder, 'data', 'blob.bin'), DATED, DATED);
  writeFileSync(path.join(zoneFolder, 'UTC'), 'TZif-like bytes');

  const [filesBuild, ...seedBuilds] = await Promise.all([
    buildCloudflareArtifact(`${path.join(appFolder, 'files_app.py')}:create_app('hello from the factory')`, ['--mount', `${zoneFolder}:/usr/share/zoneinfo`],
      { env: { ...process.env, [SNAPSHOT_ONLY]: 'set where the folder was built' } }),
    ...PYODIDE_VERSIONS.map((pyodide) => buildCloudflareArtifact(path.resolve('app/wsgi_app.py:simple_app'), [], { cli: pyodide.cli })),
  ]);
  files = filesBuild!;
  filesStartedAt = Date.now();
  const servers = await startTogether([wranglerDevPrinted(files, { [RUN_ONLY]: AWKWARD_VALUE }), ...seedBuilds.map((artifact) => wranglerDevPrinted(artifact))]);
  filesServer = servers[0]!;
  for (const [i, pyodide] of PYODIDE_VERSIONS.entries()) seeds.set(pyodide.name, { artifact: seedBuilds[i]!, server: servers[i + 1]! });
}, BUILD_MS);
afterAll(async () => {
  await Promise.all([filesServer?.stop(), ...[...seeds.values()].map(({ server }) => server.stop())]);
  files?.remove();
  for (const { artifact } of seeds.values()) artifact.remove();
  rmSync(work, { recursive: true, force: true });
});

describe.each(PYODIDE_VERSIONS)('the seed\'s Python app, from wsgi-edge build cloudflare, Pyodide $name', (pyodide) => {
  test('the build prints the upload size and the wrangler dev line', () => {
    const { artifact } = seeds.get(pyodide.name)!;
    expect(artifact.printed).toMatch(/^Wrote \S+\/: \d+ bytes \(\d+\.\d MiB\) to upload, \d+ app files in app-files\.bin$/m);
    expect(artifact.printed).toContain(`Loaded wsgi_app:simple_app in Pyodide ${pyodide.version} and wrote its memory snapshot`);
  });

  test('answers as CPython does, byte for byte, restored from its snapshot inside the first request', async () => {
    const { server } = seeds.get(pyodide.name)!;
    expect(server.output()).not.toMatch(/Python app .* loaded/);
    await expectAnswersAsCPython(`${server.url}/`);
    expect(server.output()).toMatch(/wsgi-edge: Python app wsgi_app:simple_app loaded from its snapshot in \d+ ms, on its first request/);
    expect(server.output().match(/Python app .* loaded .*in \d+ ms/g)).toHaveLength(1);
  });
});

describe('an app folder\'s files, from wsgi-edge build cloudflare', () => {
  const get = (route: string) => fetch(`${filesServer.url}${route}`, { headers: { 'Accept-Encoding': 'identity' } });

  test('the module was imported at build time: the Worker restored it', async () => {
    const importedAt = Number(await (await get('/imported-at')).text()) * 1000;
    expect(importedAt).toBeGreaterThan(0);
    expect(importedAt).toBeLessThan(filesStartedAt);
  });

  test('os.environ holds the Worker\'s vars, none of the build\'s; the factory ran again with them', async () => {
    expect(await (await get(`/environ?${RUN_ONLY}`)).text()).toBe(`'${AWKWARD_VALUE.replace(/'/g, "\\'")}'`);
    expect(await (await get(`/environ?${SNAPSHOT_ONLY}`)).text()).toBe('None');
    expect(await (await get('/factory')).text()).toBe(`('hello from the factory', '${AWKWARD_VALUE.replace(/'/g, "\\'")}')`);
  });

  test('a stored binary, a deflated template and a catalog arrive byte for byte, dated as their sources', async () => {
    const index = JSON.parse(readFileSync(path.join(files.dir, 'app-files.json'), 'utf8')) as { files: Array<{ path: string; deflated: boolean }> };
    const packed = (name: string) => index.files.find((file) => file.path === `python/site/${name}`)?.deflated;
    expect([packed('data/blob.bin'), packed('templates/page.html'), packed('locale/de/LC_MESSAGES/django.mo')]).toEqual([false, true, true]);

    const blobAnswer = await get('/file/data/blob.bin');
    expect(blobAnswer.status).toBe(200);
    expect(Buffer.from(await blobAnswer.arrayBuffer()).equals(blob)).toBe(true);
    expect(blobAnswer.headers.get('last-modified')).toBe(DATED.toUTCString());
    expect(Buffer.from(await (await get('/file/templates/page.html')).arrayBuffer()).equals(Buffer.from(template))).toBe(true);
    expect(Buffer.from(await (await get('/file/locale/de/LC_MESSAGES/django.mo')).arrayBuffer()).equals(catalog)).toBe(true);
  });

  test('a --mount folder is read at its fixed path', async () => {
    expect(await (await get('/abs/usr/share/zoneinfo/UTC')).text()).toBe('TZif-like bytes');
  });

  test('a file that is not there is not there', async () => {
    expect((await get('/file/data/nothing.bin')).status).toBe(404);
  });
});
