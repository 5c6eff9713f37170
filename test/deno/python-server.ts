/**
 * The Python conformance fixture (test/conformance/conformance_app.py) for `deno serve`: loaded by
 * wsgi-edge/python and served by the Deno target, both imported by the package's published name (the
 * built `dist/`), with Pyodide from node_modules, as a Deno project that installed both would.
 * @module
 */

import { handle } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

export default handle(await loadPythonApp({ app: 'conformance_app', path: ['test/conformance'] }));
