/**
 * The sqlite3 guestbook (app/guestbook.py) on Node under Pyodide 314, through `wsgi-edge serve`, answering
 * as under CPython's wsgiref with its database in a file beside the app (loadPythonApp with a 314 handed
 * over is the Node conformance suite's); under 0.27.7, whose standard library has no sqlite3, the load
 * fails saying so.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPythonApp } from '../../src/python/index.ts';
import { expectGuestbookAsCPython, guestbookFolder } from '../app/guestbook-cases.ts';
import { startCli } from '../helpers/cli.ts';
import { PYODIDE_314 } from '../helpers/pyodide-versions.ts';

const folders: string[] = [];
const freshFolder = () => {
  const folder = guestbookFolder();
  folders.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('the sqlite3 guestbook under Pyodide 314 on Node', () => {
  it('wsgi-edge serve app.py: as CPython, in a file database beside the app', { timeout: 90_000 }, async () => {
    const folder = freshFolder();
    const server = await startCli([join(folder, 'guestbook.py')], {}, PYODIDE_314.cli);
    try {
      expect(server.output()).toContain('Serving ');
      expect(await expectGuestbookAsCPython(server.url)).toBe('file');
      expect(existsSync(join(folder, 'guestbook.sqlite3'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('the sqlite3 guestbook under Pyodide 0.27.7', () => {
  it('fails to load, saying 0.27.7 has no sqlite3 and naming the Pyodide that has', { timeout: 60_000 }, async () => {
    const folder = freshFolder();
    const error = await loadPythonApp({ app: 'guestbook', path: [folder] }).then(() => undefined, (failure: Error) => failure.message);
    expect(error).toContain(
      `wsgi-edge: cannot load the Python app "guestbook": Importing 'guestbook' failed (ModuleNotFoundError: No module named 'sqlite3': ` +
      'Pyodide 0.27.7 has no sqlite3 in its standard library (it is a package Pyodide downloads, so it is missing offline and in a ' +
      'deployment); Pyodide 314 has it: npm install pyodide@314); sys.path is [',
    );
  });
});
