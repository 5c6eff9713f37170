/**
 * The Python twin of the conformance fixtures (test/conformance/conformance_app.py) as a Worker, written
 * as a user would write app/cloudflare-python/worker.ts: the module imported as Text, Pyodide started
 * inside the Worker on the first request. Bundled with app/cloudflare-python/wrangler.toml's rules.
 * @module
 */

import { handle } from '../../src/targets/cloudflare/index.ts';
import { lazyPythonApp } from '../../src/python/workerd.ts';
import conformanceApp from '../conformance/conformance_app.py';

export default handle(lazyPythonApp({ app: 'conformance_app', files: { 'conformance_app.py': conformanceApp } }));
