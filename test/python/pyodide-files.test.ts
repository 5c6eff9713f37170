/**
 * src/python/pyodide-files.ts: the installed Pyodide's version and the files a deployment carries, for
 * each supported version. The list is checked by use: a folder holding only those files, as
 * `node_modules/pyodide`, starts Python in a Node process of its own.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPyodideFolder, isSupportedPyodide, pyodideRuntime, unsupportedPyodideMessage } from '../../src/python/pyodide-files.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'wsgi-edge-pyodide-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('pyodideRuntime', () => {
  it('0.27.7: Python 3.12, glue pyodide.asm.js', () => {
    expect(pyodideRuntime(resolve('node_modules/pyodide'))).toEqual({
      folder: resolve('node_modules/pyodide'),
      version: '0.27.7',
      python: '3.12',
      loader: 'pyodide.asm.js',
      files: ['package.json', 'pyodide-lock.json', 'pyodide.asm.js', 'pyodide.asm.wasm', 'pyodide.mjs', 'python_stdlib.zip'],
    });
  });

  it('314.x: Python 3.14, glue pyodide.asm.mjs', () => {
    const runtime = pyodideRuntime(resolve('node_modules/pyodide-314'));
    expect(runtime.version).toMatch(/^314\.\d+\.\d+$/);
    expect(runtime).toMatchObject({
      python: '3.14',
      loader: 'pyodide.asm.mjs',
      files: ['package.json', 'pyodide-lock.json', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'pyodide.mjs', 'python_stdlib.zip'],
    });
  });

  it('by default, the pyodide that wsgi-edge itself resolves', () => {
    expect(installedPyodideFolder()).toBe(resolve('node_modules/pyodide'));
  });

  it('from a consumer folder: the pyodide installed there', () => {
    const consumer = join(scratch, 'consumer');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    expect(() => installedPyodideFolder(consumer)).toThrow(/no pyodide package is installed where .*consumer looks for it: npm install pyodide@314/);
  });

  it('describes an unsupported version rather than refusing it, and says what to install', () => {
    const old = join(scratch, 'old');
    mkdirSync(old);
    for (const name of ['pyodide.mjs', 'pyodide.asm.js', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']) writeFileSync(join(old, name), '');
    writeFileSync(join(old, 'package.json'), JSON.stringify({ name: 'pyodide', version: '0.26.4' }));
    expect(pyodideRuntime(old)).toMatchObject({ version: '0.26.4', python: null, loader: 'pyodide.asm.js' });
    expect(isSupportedPyodide('0.26.4')).toBe(false);
    expect(isSupportedPyodide('0.27.7')).toBe(true);
    expect(isSupportedPyodide('314.0.8')).toBe(true);
    expect(isSupportedPyodide('315.0.0')).toBe(false);
    expect(unsupportedPyodideMessage('0.26.4')).toBe(
      'wsgi-edge: Pyodide 0.26.4 is not supported; install one of 0.27.7 || ^314.0.0 (npm install pyodide@314 for Python 3.14 with sqlite3, pyodide@0.27.7 for Python 3.12)',
    );
  });

  it('names a folder without the glue file', () => {
    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'package.json'), JSON.stringify({ version: '314.0.8' }));
    expect(() => pyodideRuntime(broken)).toThrow(`wsgi-edge: Pyodide 314.0.8 in ${broken} has neither pyodide.asm.mjs nor pyodide.asm.js`);
  });
});

describe.each(PYODIDE_VERSIONS)('the files of Pyodide $name are enough to start it', ({ name, folder }) => {
  it('loadPyodide from a node_modules/pyodide holding only them', { timeout: 60_000 }, async () => {
    const runtime = pyodideRuntime(realpathSync(folder));
    const consumer = join(scratch, `deploy-${name}`);
    mkdirSync(join(consumer, 'node_modules/pyodide'), { recursive: true });
    for (const file of runtime.files) copyFileSync(join(runtime.folder, file), join(consumer, 'node_modules/pyodide', file));
    writeFileSync(join(consumer, 'start.mjs'),
      "const { loadPyodide } = await import('pyodide');\n" +
      "const py = await loadPyodide();\n" +
      "console.log(py.version, py.runPython('import sys; \"%d.%d\" % sys.version_info[:2]'));\n");
    const { stdout } = await run(process.execPath, ['start.mjs'], { cwd: consumer });
    expect(stdout.trim()).toBe(`${runtime.version} ${runtime.python}`);
  });
});
