/**
 * The seed's Python app (app/wsgi_app.py) through `wsgi-edge serve` with each Pyodide other than the
 * default installed (the default's is test/wsgiref/cli.test.ts's): every seed case answered with the
 * bytes CPython's own app gives.
 */
import { describe, it } from 'vitest';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import { startCli } from '../helpers/cli.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';

describe.each(PYODIDE_VERSIONS.filter((version) => !version.isDefault))('the seed\'s Python app under wsgi-edge serve, Pyodide $name', (version) => {
  it('answers as CPython does, byte for byte', { timeout: 90_000 }, async () => {
    const server = await startCli(['app/wsgi_app.py:simple_app'], {}, version.cli);
    try {
      await expectAnswersAsCPython(server.url);
    } finally {
      await server.stop();
    }
  });
});
