/**
 * A host folder mounted into Pyodide (mountFolder, as loadPythonApp mounts an app's folders): its symlinks
 * lead where they lead on the host, relative ones from the link's own folder (Emscripten's NODEFS alone
 * resolves them from the process's working folder), absolute ones inside the folder under its mount point.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultPyodide, mountFolder } from '../../src/python/index.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-mount-'));
const TEXT = 'reached through a symlink\n';

/** What Python sees at `file` (inside the mount): whether it exists, and its text. */
async function seen(file: string, at = folder): Promise<[boolean, string]> {
  const pyodide = await defaultPyodide();
  const probe = pyodide.runPython(`
import os
def probe(file):
    return [os.path.exists(file), open(file).read() if os.path.exists(file) else '']
probe`);
  try {
    return probe(path.posix.join(at, file)).toJs() as [boolean, string];
  } finally {
    probe.destroy();
  }
}

beforeAll(async () => {
  mkdirSync(path.join(folder, 'data'));
  mkdirSync(path.join(folder, 'static', 'deeper'), { recursive: true });
  writeFileSync(path.join(folder, 'data', 'target.txt'), TEXT);
  symlinkSync('../data/target.txt', path.join(folder, 'static', 'relative.txt'));
  symlinkSync('../../data/target.txt', path.join(folder, 'static', 'deeper', 'relative.txt'));
  symlinkSync(path.join(folder, 'data', 'target.txt'), path.join(folder, 'static', 'absolute.txt'));
  symlinkSync('../data/gone.txt', path.join(folder, 'static', 'dangling.txt'));
  const pyodide = await defaultPyodide();
  mountFolder(pyodide, folder);
  mountFolder(pyodide, folder, '/srv/elsewhere');
}, 60_000);
afterAll(() => rmSync(folder, { recursive: true, force: true }));

it('a relative symlink leads from its own folder, at any depth', async () => {
  expect(await seen('static/relative.txt')).toEqual([true, TEXT]);
  expect(await seen('static/deeper/relative.txt')).toEqual([true, TEXT]);
  expect(await seen('static/relative.txt', '/srv/elsewhere')).toEqual([true, TEXT]);
});

it('an absolute symlink into the folder leads to the file under the mount point', async () => {
  expect(await seen('static/absolute.txt')).toEqual([true, TEXT]);
  expect(await seen('static/absolute.txt', '/srv/elsewhere')).toEqual([true, TEXT]);
});

it('a dangling symlink is a file that does not exist', async () => {
  expect(await seen('static/dangling.txt')).toEqual([false, '']);
});
