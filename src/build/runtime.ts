/**
 * The part of every preset's runtime entry that loads the artifact's app: reads wsgi-edge.json, mounts
 * the artifact at ARTIFACT_ROOT, and starts Pyodide from the snapshot when there is one.
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WsgiApp } from '../core/types.ts';
import { loadPythonApp, type PythonAppFileOptions } from '../python/index.ts';
import { locatePyodide } from '../python/snapshot.ts';
import { artifactAppOptions, CONFIG_FILE, type ArtifactConfig } from './artifact.ts';

/** The artifact's app, loaded from the folder `root`; `onFatal` as for loadPythonApp. */
export async function loadArtifactApp(root: string, onFatal: PythonAppFileOptions['onFatal']): Promise<WsgiApp> {
  const started = performance.now();
  const config = JSON.parse(readFileSync(path.join(root, CONFIG_FILE), 'utf8')) as ArtifactConfig;
  defineEmscriptenFactory(path.join(root, 'pyodide'));
  locatePyodide(pathToFileURL(path.join(root, 'pyodide', 'pyodide.mjs')).href);
  const app = await loadPythonApp({
    ...artifactAppOptions(config, root),
    ...(config.snapshot === null ? {} : { snapshot: path.join(root, config.snapshot) }),
    onFatal,
  });
  const from = config.snapshot === null ? 'without a snapshot' : 'from its snapshot';
  console.log(`wsgi-edge: Python app ${config.app} loaded ${from} in ${Math.round(performance.now() - started)} ms`);
  return app;
}

/**
 * Pyodide 0.27's Emscripten glue, pyodide.asm.js, is a CommonJS script that defines the global
 * `_createPyodideModule`; loadPyodide imports it only when that global is missing. Required here, it is
 * compiled as CommonJS at once: imported, Node first tries it as an ES module and then scans it for
 * exports, a fifth of a restore's CPU time. Deno gets a CommonJS scope for it the same way (its `import`
 * of a .js file outside node_modules has no `require`, which the glue calls on seeing `process`).
 * Pyodide 314 ships the glue as an ES module, which loadPyodide imports as it is.
 */
function defineEmscriptenFactory(pyodideFolder: string): void {
  const glue = path.join(pyodideFolder, 'pyodide.asm.js');
  if ('_createPyodideModule' in globalThis || !existsSync(glue)) return;
  createRequire(glue)(glue);
}
