/**
 * The Python app a bench server loads, from its environment: BENCH_PY_APP ('module:callable') and
 * BENCH_PY_PATH (folders put first on sys.path, joined with ':').
 * @module
 */

import type { PythonAppOptions } from '../../src/python/index.ts';

export function pythonAppOptions(env: Record<string, string | undefined>): PythonAppOptions {
  const app = env.BENCH_PY_APP;
  if (!app) throw new Error('BENCH_PY_APP names no app (module:callable)');
  return { app, path: (env.BENCH_PY_PATH ?? '').split(':').filter(Boolean) };
}
