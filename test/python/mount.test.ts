/**
 * Host folders in this process's Pyodide (`path`, `mounts`): files reached through symlinks resolve as on
 * the host whatever the working folder (Emscripten's NODEFS resolved a relative link against it), and a
 * folder mounted elsewhere (`mounts`) is read at its Pyodide path, its absolute links included.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { handle } from '../../src/index.ts';
import { loadPythonApp } from '../../src/python/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-mount-'));
const site = path.join(work, 'site');
const data = path.join(work, 'data');
let fetchFile: (file: string) => Promise<Response>;

beforeAll(async () => {
  mkdirSync(path.join(site, 'nested'), { recursive: true });
  mkdirSync(path.join(data, 'zone'), { recursive: true });
  writeFileSync(path.join(site, 'reader.py'), [
    'def application(environ, start_response):',
    "    try:",
    "        with open(environ['QUERY_STRING'], 'rb') as handle:",
    "            body, status = handle.read(), '200 OK'",
    '    except OSError as error:',
    "        body, status = type(error).__name__.encode(), '404 Not Found'",
    "    start_response(status, [('Content-Type', 'text/plain')])",
    '    return [body]',
    '',
  ].join('\n'));
  writeFileSync(path.join(site, 'target.txt'), 'the target');
  symlinkSync('../target.txt', path.join(site, 'nested', 'up.txt'));
  symlinkSync('target.txt', path.join(site, 'beside.txt'));
  symlinkSync(path.join(site, 'target.txt'), path.join(site, 'absolute.txt'));
  symlinkSync('missing.txt', path.join(site, 'dangling.txt'));
  writeFileSync(path.join(data, 'zone', 'UTC'), 'zone data');
  symlinkSync(path.join(data, 'zone', 'UTC'), path.join(data, 'zone', 'Etc-UTC'));
  // The working folder is not the app's: the case Emscripten's own readlink got wrong.
  expect(process.cwd()).not.toBe(site);
  const app = await loadPythonApp({ app: 'reader', path: [site], mounts: { '/usr/share/zoneinfo': data } });
  fetchFile = (file) => handle(app, new Request(`http://localhost/?${file}`), { errors: () => {} });
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

test.each([
  ['a relative link beside its target', 'beside.txt'],
  ['a relative link from a subfolder', 'nested/up.txt'],
  ['an absolute link into the same folder', 'absolute.txt'],
])('%s reads the target', async (_, file) => {
  const answer = await fetchFile(path.join(site, file));
  expect([answer.status, await answer.text()]).toEqual([200, 'the target']);
});

test('a dangling link is a missing file', async () => {
  const answer = await fetchFile(path.join(site, 'dangling.txt'));
  expect([answer.status, await answer.text()]).toEqual([404, 'FileNotFoundError']);
});

test('a folder mounted at another path is read there, an absolute link inside it too', async () => {
  for (const file of ['/usr/share/zoneinfo/zone/UTC', '/usr/share/zoneinfo/zone/Etc-UTC']) {
    const answer = await fetchFile(file);
    expect([answer.status, await answer.text()]).toEqual([200, 'zone data']);
  }
});
