/**
 * `npm run start:deno:python`: the seed's Python app (app/wsgi_app.py) under `deno serve`, run by Pyodide.
 * Top-level await: `deno serve` starts listening once the app has loaded. If the interpreter dies (a
 * fatal Pyodide error, `sys.exit()` in a handler), that request answers 500 and the process exits (3).
 * @module
 */

import { exitOnFatal, handle } from '../src/targets/deno/index.ts';
import { loadPythonApp } from '../src/python/index.ts';

export default handle(await loadPythonApp({
  app: 'wsgi_app:simple_app',
  path: [new URL('.', import.meta.url).pathname],
  onFatal: exitOnFatal(),
}));
