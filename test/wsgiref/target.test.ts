/**
 * The CLI's reading of an app spec (src/cli/target.ts), without running anything: where the file or
 * module ends and the callable begins when the callable holds parens, quotes and colons, the folders a
 * Python app gets on sys.path, and the spellings refused before Pyodide is loaded. (What the callable
 * may be is the bridge's to decide: test/python/test_bridge.py.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTarget, resolvePythonApp } from '../../src/cli/target.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'wsgi-edge-target-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('not refused');
};

describe('resolvePythonApp', () => {
  it('splits a file from a factory call whose arguments hold colons, and puts the file\'s folder first', () => {
    expect(resolvePythonApp("app/wsgi_app.py:create_app('a:b', {'k': 'c:d'})", ['test/faults/python'], 'wsgi-edge build')).toEqual({
      app: "wsgi_app:create_app('a:b', {'k': 'c:d'})",
      module: 'wsgi_app',
      callable: "create_app('a:b', {'k': 'c:d'})",
      path: [resolve('app'), resolve('test/faults/python')],
      file: resolve('app/wsgi_app.py'),
      label: "app/wsgi_app.py:create_app('a:b', {'k': 'c:d'})",
    });
  });

  it('takes a module at its first colon, with the --pythonpath folders then the working folder, and application by default', () => {
    expect(resolvePythonApp('pkg.mod:make(x="1:2")', ['app', 'app'], 'wsgi-edge build')).toEqual({
      app: 'pkg.mod:make(x="1:2")', module: 'pkg.mod', callable: 'make(x="1:2")', path: [resolve('app'), process.cwd()], label: 'pkg.mod:make(x="1:2")',
    });
    expect(resolvePythonApp('pkg.mod', [], 'wsgi-edge build')).toMatchObject({ app: 'pkg.mod:application', callable: 'application' });
    expect(resolvePythonApp('app/wsgi_app.py', [], 'wsgi-edge build')).toMatchObject({ app: 'wsgi_app:application', label: 'app/wsgi_app.py:application' });
  });

  it('finds a file in a folder whose name holds a colon', () => {
    const folder = join(scratch, 'v1:beta');
    mkdirSync(folder);
    writeFileSync(join(folder, 'site.py'), 'application = None\n');
    expect(resolvePythonApp(`${folder}/site.py:create_app()`, [], 'wsgi-edge build')).toMatchObject({
      app: 'site:create_app()', file: join(folder, 'site.py'), path: [folder],
    });
  });

  it('refuses a JavaScript module, a missing file or folder, and a spelling that names no app, each on one line', () => {
    expect(refusal(() => resolvePythonApp('test/wsgiref/fixtures/plain.mjs', [], 'wsgi-edge build')))
      .toBe('wsgi-edge build takes a Python app (got "test/wsgiref/fixtures/plain.mjs", a JavaScript module)');
    expect(refusal(() => resolvePythonApp('nope/app.py:create_app()', [], 'wsgi-edge build'))).toBe(`No Python file at ${resolve('nope/app.py')}`);
    expect(refusal(() => resolvePythonApp('app', ['nope'], 'wsgi-edge build'))).toBe(`--pythonpath: no folder at ${resolve('nope')}`);
    expect(refusal(() => resolvePythonApp('flaskr.create_app()', [], 'wsgi-edge build'))).toBe('"flaskr.create_app()" is not an app: did you mean "flaskr:create_app()"?');
    expect(refusal(() => resolvePythonApp('my-app:app', [], 'wsgi-edge build'))).toMatch(/^"my-app:app" is not an app: name a Python module/);
  });
});

describe('parseTarget', () => {
  it('reads JavaScript modules as before: by export name, and no Python folders', () => {
    expect(parseTarget('test/wsgiref/fixtures/multi.ts:second', [])).toEqual({ kind: 'javascript', path: 'test/wsgiref/fixtures/multi.ts', exportName: 'second' });
    expect(parseTarget('test/wsgiref/fixtures/plain.mjs', [])).toEqual({ kind: 'javascript', path: 'test/wsgiref/fixtures/plain.mjs', exportName: undefined });
    expect(refusal(() => parseTarget('test/wsgiref/fixtures/multi.ts:make()', []))).toBe('test/wsgiref/fixtures/multi.ts:make(): a JavaScript export is named by one identifier');
  });

  it('keeps --snapshot\'s file, absolute, with a Python app', () => {
    expect(parseTarget('app/wsgi_app.py:simple_app', [], 'x.snapshot')).toMatchObject({ kind: 'python', app: 'wsgi_app:simple_app', snapshot: resolve('x.snapshot') });
  });
});
