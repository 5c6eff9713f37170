/**
 * The frameworks the suite serves, from Debian's python3-flask, python3-bottle and python3-django, and
 * how each is put in front of Pyodide. The reference (CPython's wsgiref) imports them from Debian's own
 * interpreter, which sees the whole of dist-packages; Pyodide gets a copy of only the packages a
 * framework needs (copyPurePython below).
 * @module
 */

import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Debian's python3-* packages are for Debian's interpreter. A `python3` earlier on PATH (pyenv, a venv)
 * does not see /usr/lib/python3/dist-packages, so the reference runs this one by its full path.
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
export const APPS_DIR = path.resolve('test/frameworks/apps');

export interface Framework {
  readonly name: string;
  /** `module:callable` in APPS_DIR. */
  readonly app: string;
  /** The framework and its dependencies as Debian installs them (python3-flask's Depends, and so on). */
  readonly packages: readonly string[];
  /**
   * Debian's python3-tz reads the system's tz database (/usr/share/zoneinfo/tzdata.zi) when imported,
   * and Django imports pytz whatever USE_TZ says: that folder is mounted into Pyodide for it.
   */
  readonly zoneinfo: boolean;
  /**
   * Whether /boom's traceback goes to wsgi.errors: Flask (PROPAGATE_EXCEPTIONS) lets it reach the
   * gateway, which logs it; Bottle writes it there itself; Django logs it to its `django.request`
   * logger, which writes nowhere with DEBUG off and no ADMINS (were its 500 page to fail under Pyodide,
   * as it does without the project's EMAIL_BACKEND, the gateway would log the traceback here).
   */
  readonly tracebackInWsgiErrors: boolean;
  /**
   * Debian's relative symlinks (into /usr/share/javascript) among `packages`, which dangle once copied:
   * `wsgi-edge build` names each in a warning and leaves it out.
   */
  readonly danglingLinks: readonly string[];
}

export const FRAMEWORKS: readonly Framework[] = [
  {
    name: 'Flask',
    app: 'flask_app:app',
    packages: ['flask', 'werkzeug', 'jinja2', 'markupsafe', 'itsdangerous', 'click', 'blinker'],
    zoneinfo: false,
    tracebackInWsgiErrors: true,
    danglingLinks: ['werkzeug/debug/shared/jquery.js'],
  },
  {
    name: 'Bottle',
    app: 'bottle_app:app',
    packages: ['bottle.py'],
    zoneinfo: false,
    tracebackInWsgiErrors: true,
    danglingLinks: [],
  },
  {
    name: 'Django',
    app: 'django_project.wsgi:application',
    packages: ['django', 'asgiref', 'sqlparse', 'pytz'],
    zoneinfo: true,
    tracebackInWsgiErrors: false,
    danglingLinks: ['django/contrib/admin/static/admin/js/vendor/jquery/jquery.js', 'django/contrib/admin/static/admin/js/vendor/jquery/jquery.min.js'],
  },
];

/** What Pyodide cannot or need not read: native modules built for CPython on x86-64, bytecode, translation sources. */
const NOT_COPIED = /(\.so|\.pyc|\.po|[/\\]__pycache__)$/;

/**
 * Copies `packages` from dist-packages into `into`, leaving out native extension modules. Mounting all of
 * dist-packages instead would put some eighty unrelated Debian packages ahead of Pyodide's own on
 * sys.path, among them `.abi3.so` files (cryptography's) whose suffix Pyodide accepts but cannot load;
 * a copy of the named packages also makes a missing dependency fail the import. markupsafe, the one
 * with a C speedup here, falls back to its pure-Python `_native` module without it. Symlinks are copied
 * as they are (as `cp -a` copies them), so Debian's relative ones into /usr/share dangle in the copy.
 */
export function copyPurePython(packages: Iterable<string>, into: string): void {
  for (const name of packages) {
    const source = path.join(DIST_PACKAGES, name);
    if (!existsSync(source)) throw new Error(`${source} is missing: apt-get install python3-flask python3-bottle python3-django`);
    cpSync(source, path.join(into, name), { recursive: true, verbatimSymlinks: true, filter: (file) => !NOT_COPIED.test(file) });
  }
}
