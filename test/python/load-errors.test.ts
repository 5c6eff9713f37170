/**
 * Apps that cannot load, in this process's Pyodide: loadPythonApp's error names what failed and where.
 * (test/faults/python-node.test.ts and python-deno.test.ts check that the CLI and `deno serve` stop on
 * such an error with its message; one interpreter here serves every case.)
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPythonApp } from '../../src/python/index.ts';

const BROKEN_DIR = resolve('test/faults/python/broken');
const FIXTURE_DIR = resolve('test/faults/python');

const failure = (app: string, path: string[]) => loadPythonApp({ app, path }).then(
  () => { throw new Error(`${app} loaded`); },
  (error: Error) => error.message,
);

describe('loadPythonApp on an app that cannot load', () => {
  it('an exception at import: the module, the exception, sys.path, and the traceback with the file and line', { timeout: 60_000 }, async () => {
    const message = await failure('import_error:application', [BROKEN_DIR]);
    expect(message).toContain(
      `wsgi-edge: cannot load the Python app "import_error:application": Importing 'import_error' failed ` +
      `(RuntimeError: fault-at-import); sys.path is ['${BROKEN_DIR}', `,
    );
    expect(message).toContain(`File "${BROKEN_DIR}/import_error.py", line 2, in <module>`);
  });

  it('a SyntaxError: its file, line and message', async () => {
    expect(await failure('syntax_error:application', [BROKEN_DIR])).toContain(
      `wsgi-edge: cannot load the Python app "syntax_error:application": SyntaxError in ${BROKEN_DIR}/syntax_error.py, line 3: expected ':'`,
    );
  });

  it('a missing callable: the module, its file and the name', async () => {
    expect(await failure('faults:nope', [FIXTURE_DIR])).toContain(
      `wsgi-edge: cannot load the Python app "faults:nope": Module 'faults' (${FIXTURE_DIR}/faults.py) has no attribute 'nope'`,
    );
  });

  it('a module that is not on the path: its name and sys.path', async () => {
    const message = await failure('no_such_module:application', [FIXTURE_DIR]);
    expect(message).toContain('wsgi-edge: cannot load the Python app "no_such_module:application"');
    expect(message).toContain(`sys.path is ['${FIXTURE_DIR}', `);
  });
});
