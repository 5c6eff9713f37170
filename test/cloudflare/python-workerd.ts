/**
 * A Python Worker in workerd for tests: the Worker is bundled by `wrangler deploy --dry-run` with the
 * rules of app/cloudflare-python/wrangler.toml (Pyodide's wasm, standard library and lock file, and
 * Python sources, as Workers modules) and that bundle runs in miniflare.
 */
import { buildWorker, startWorker, type BuiltWorker, type RunningWorker } from './workerd.ts';

export const PYTHON_WORKER_CONFIG = 'app/cloudflare-python/wrangler.toml';

export interface PythonWorkerOptions {
  /** The Worker's entry, in place of the config's `main` (a path from the project's root). */
  entry?: string;
  /** A wrangler config with the Python rules; default app/cloudflare-python/wrangler.toml. */
  config?: string;
}

/** `wrangler deploy --dry-run` of a Python Worker: the bundle and its Pyodide modules. */
export function buildPythonWorker(options: PythonWorkerOptions = {}): Promise<BuiltWorker> {
  return buildWorker(options.config ?? PYTHON_WORKER_CONFIG, options.entry === undefined ? [] : [options.entry]);
}

/** Builds a Python Worker and runs it in workerd; `worker.url` answers once miniflare listens. */
export async function startPythonWorker(options: PythonWorkerOptions = {}): Promise<RunningWorker> {
  return startWorker(await buildPythonWorker(options));
}
