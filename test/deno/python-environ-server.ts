/**
 * The Python fault fixture (test/faults/python/faults.py, whose /os-environ shows os.environ) under
 * `deno serve`, restored from the memory snapshot named by the script's argument. It reads no environment
 * variable itself, so it runs with `--allow-read` alone: what the app gets then is wsgi-edge/python's doing.
 * @module
 */

import process from 'node:process';
import { handle } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

const [snapshot] = process.argv.slice(2);
if (snapshot === undefined) throw new Error('usage: deno serve --allow-read test/deno/python-environ-server.ts SNAPSHOT');

export default handle(await loadPythonApp({ app: 'faults:application', path: ['test/faults/python'], snapshot }));
