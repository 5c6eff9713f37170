/**
 * The Python app a bench server loads, from its environment: BENCH_PY_APP ('module:callable'),
 * BENCH_PY_PATH (folders put first on sys.path, joined with ':') and BENCH_PY_SNAPSHOT (a memory
 * snapshot of that app to start from, if any).
 * @module
 */

import type { PythonAppFileOptions } from '../../src/python/index.ts';

export function pythonAppOptions(env: Record<string, string | undefined>): PythonAppFileOptions {
  const app = env.BENCH_PY_APP;
  if (!app) throw new Error('BENCH_PY_APP names no app (module:callable)');
  const options: PythonAppFileOptions = { app, path: (env.BENCH_PY_PATH ?? '').split(':').filter(Boolean) };
  if (env.BENCH_PY_SNAPSHOT) options.snapshot = env.BENCH_PY_SNAPSHOT;
  return options;
}
