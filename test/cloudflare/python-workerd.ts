/**
 * A Python Worker in workerd for tests: the Worker is bundled by `wrangler deploy --dry-run` with the
 * rules of app/cloudflare-python/wrangler.toml (Pyodide's wasm, standard library and lock file, and
 * Python sources, as Workers modules) and that bundle runs in miniflare; with the Pyodide asked for.
 */
import { join } from 'node:path';
import { placeEntry, type PyodideVersion } from '../helpers/pyodide-versions.ts';
import { buildWorker, startWorker, type BuiltWorker, type RunningWorker } from './workerd.ts';

export const PYTHON_WORKER_CONFIG = 'app/cloudflare-python/wrangler.toml';

export interface PythonWorkerOptions {
  /** The Worker's entry, in place of the config's `main` (a path from the project's root). */
  entry?: string;
  /** A wrangler config with the Python rules; default app/cloudflare-python/wrangler.toml. */
  config?: string;
  /** The Pyodide bundled (default: the repository's `pyodide`, 0.27.7). */
  pyodide?: PyodideVersion;
}

/** `wrangler deploy --dry-run` of a Python Worker: the bundle and its Pyodide modules. */
export function buildPythonWorker(options: PythonWorkerOptions = {}): Promise<BuiltWorker> {
  const config = options.config ?? PYTHON_WORKER_CONFIG;
  const entry = options.entry ?? join(config, '..', 'worker.ts');
  return buildWorker(config, [options.pyodide === undefined ? entry : placeEntry(options.pyodide, entry)]);
}


/** Builds a Python Worker and runs it in workerd; `worker.url` answers once miniflare listens. */
export async function startPythonWorker(options: PythonWorkerOptions = {}): Promise<RunningWorker> {
  return startWorker(await buildPythonWorker(options));
}
