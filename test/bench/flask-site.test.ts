/**
 * `BENCH_FLASK_SITE`: the bench takes Flask's packages from a folder, the same files for Pyodide and for
 * CPython's servers, and says which versions it took (bench/python.ts `copyFlask`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFlask, findCPython } from '../../bench/python.ts';

const scratch = mkdtempSync(join(tmpdir(), 'wsgi-edge-flask-site-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A package folder as pip or a Debian package leaves it: the code and its dist-info. */
function fakePackage(site: string, name: string, version: string): void {
  mkdirSync(join(site, name, '__pycache__'), { recursive: true });
  writeFileSync(join(site, name, '__init__.py'), `MARK = ${JSON.stringify(`${name} ${version} from the site`)}\n`);
  writeFileSync(join(site, name, '_speedups.cpython-313-x86_64-linux-gnu.so'), 'not for Pyodide');
  writeFileSync(join(site, name, '__pycache__', '__init__.cpython-311.pyc'), 'stale');
  mkdirSync(join(site, `${name}-${version}.dist-info`));
  writeFileSync(join(site, `${name}-${version}.dist-info`, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
}

describe('the Flask the bench serves, from BENCH_FLASK_SITE', () => {
  it('copies the folder\'s Flask and Werkzeug, without compiled code or caches, and reports their versions', () => {
    const site = join(scratch, 'site');
    fakePackage(site, 'flask', '9.9.1');
    fakePackage(site, 'werkzeug', '8.8.2');
    const mounted = join(scratch, 'mounted');
    const versions = copyFlask(findCPython(), mounted, site);
    expect(versions).toEqual({ flask: '9.9.1', werkzeug: '8.8.2' });
    expect(readFileSync(join(mounted, 'flask', '__init__.py'), 'utf8')).toContain('flask 9.9.1 from the site');
    expect(readFileSync(join(mounted, 'werkzeug', '__init__.py'), 'utf8')).toContain('werkzeug 8.8.2 from the site');
    expect(existsSync(join(mounted, 'flask', '_speedups.cpython-313-x86_64-linux-gnu.so'))).toBe(false);
    expect(existsSync(join(mounted, 'flask', '__pycache__'))).toBe(false);
  });

  it('refuses a folder that holds no flask package, rather than serving another Flask', () => {
    const site = join(scratch, 'no-flask');
    fakePackage(site, 'werkzeug', '8.8.2');
    expect(() => copyFlask(findCPython(), join(scratch, 'mounted-2'), site)).toThrow(`BENCH_FLASK_SITE=${site} holds no flask package`);
  });
});
