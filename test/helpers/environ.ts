/**
 * Test helper: checks a Python app's os.environ against the environment its process was given, as
 * CPython would show it: every variable with its value, and nothing else but what the host adds to the
 * process itself (Node's cluster, for a worker) and Pyodide's own LD_LIBRARY_PATH (and HOME where the
 * process has none). Pyodide's defaults (USER=web_user, PATH=/, PYTHONINSPECT...) must be gone.
 */
import { expect } from 'vitest';

/** Variables a host may add to what a process was started with. */
const HOST_ADDED = new Set(['LD_LIBRARY_PATH', 'NODE_UNIQUE_ID', 'WSGI_EDGE_WORKER_PORT']);

/** Variables that tell an environment from where a snapshot was made and one set only when serving. */
export const SNAPSHOT_ONLY = 'WSGI_EDGE_SNAPSHOT_ONLY';
export const RUN_ONLY = 'WSGI_EDGE_RUN_ONLY';
/** A value that survives no careless quoting or encoding. */
export const AWKWARD_VALUE = 'a=b; "quoted" \'single\' é ☃ $HOME';

export function expectProcessEnvironment(environ: Record<string, string>, given: NodeJS.ProcessEnv): void {
  const expected = Object.fromEntries(Object.entries(given).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const added = Object.keys(environ).filter((name) => !(name in expected));
  expect(added.filter((name) => !HOST_ADDED.has(name) && !(name === 'HOME' && given.HOME === undefined))).toEqual([]);
  expect(Object.fromEntries(Object.entries(environ).filter(([name]) => name in expected))).toEqual(expected);
}
