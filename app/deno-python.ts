/**
 * `npm run start:deno:python`: the seed's Python app (app/wsgi_app.py) under `deno serve`, run by Pyodide.
 * Top-level await: `deno serve` starts listening once the app has loaded.
 * @module
 */

import { handle } from '../src/targets/deno/index.ts';
import { loadPythonApp } from '../src/python/index.ts';

export default handle(await loadPythonApp({ app: 'wsgi_app:simple_app', path: [new URL('.', import.meta.url).pathname] }));
