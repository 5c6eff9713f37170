/**
 * A Python WSGI app served by a Cloudflare Worker: Pyodide starts inside the Worker on the first request
 * and app/wsgi_app.py's `simple_app` answers through the Cloudflare target. Built with
 * app/cloudflare-python/wrangler.toml, whose rules bundle Pyodide's files and the Python sources.
 * @module
 */

import { handle } from '../../src/targets/cloudflare/index.ts';
import { lazyPythonApp } from '../../src/python/workerd.ts';
import wsgiApp from '../wsgi_app.py';

export default handle(lazyPythonApp({ app: 'wsgi_app:simple_app', files: { 'wsgi_app.py': wsgiApp } }));
