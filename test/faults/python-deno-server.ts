/**
 * The Python fault fixture (test/faults/python/faults.py) under `deno serve`, through `wsgi-edge/deno` and
 * `wsgi-edge/python` as published, with `exitOnFatal()` as a user's entry has it (app/deno-python.ts).
 * `FAULT_APP` and `FAULT_PATH` pick another app, for the load errors; `FAULT_SNAPSHOT` a memory snapshot to start from.
 * @module
 */

import process from 'node:process';
import { exitOnFatal, handle } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

const app = await loadPythonApp({
  app: process.env.FAULT_APP ?? 'faults:application',
  path: [process.env.FAULT_PATH ?? 'test/faults/python'],
  ...(process.env.FAULT_SNAPSHOT ? { snapshot: process.env.FAULT_SNAPSHOT } : {}),
  onFatal: exitOnFatal(),
});

export default handle(app);
