/**
 * wsgi-edge on Deno for a Python app: `loadPythonApp()` (Pyodide) through `wsgi-edge/deno`, for `deno serve`
 * (top-level await: it listens once the app has loaded). Env as bench/servers/node-python.ts.
 * @module
 */

import { loadPythonApp } from '../../src/python/index.ts';
import { handle } from '../../src/targets/deno/index.ts';
import { pythonAppOptions } from './python-options.ts';

declare const Deno: { env: { toObject(): Record<string, string> } };

export default handle(await loadPythonApp(pythonAppOptions(Deno.env.toObject())));
