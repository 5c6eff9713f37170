/**
 * The Python fault fixture (test/faults/python/faults.py) under `deno serve`, through `wsgi-edge/deno` and
 * `wsgi-edge/python` as published. When the interpreter dies, the process sends itself SIGTERM, on which
 * `deno serve` shuts down gracefully: it takes no new connection, lets the responses under way finish (the
 * 500 of the request that found out among them) and exits with `process.exitCode`. So no later request
 * meets the dead interpreter; whatever runs `deno serve` (systemd, a container's restart policy) starts
 * a fresh one. (`info.completed` settles before the bytes are out: exiting on it loses the 500.)
 * `FAULT_APP` and `FAULT_PATH` pick another app, for the load errors; `FAULT_SNAPSHOT` a memory snapshot to start from.
 * @module
 */

import process from 'node:process';
import { handle } from 'wsgi-edge/deno';
import { loadPythonApp } from 'wsgi-edge/python';

/** Exit status after the interpreter died, as `wsgi-edge serve` has it. */
const INTERPRETER_DIED = 3;

const app = await loadPythonApp({
  app: process.env.FAULT_APP ?? 'faults:application',
  path: [process.env.FAULT_PATH ?? 'test/faults/python'],
  ...(process.env.FAULT_SNAPSHOT ? { snapshot: process.env.FAULT_SNAPSHOT } : {}),
  onFatal: (error) => {
    console.error(`wsgi-edge: ${error.message}; exiting, so that no later request meets it`);
    process.exitCode = INTERPRETER_DIED;
    process.kill(process.pid, 'SIGTERM');
  },
});

export default handle(app);
