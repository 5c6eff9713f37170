/**
 * The part of every preset's runtime entry that loads the artifact's app: reads wsgi-edge.json, mounts
 * the artifact at ARTIFACT_ROOT, and starts Pyodide from the snapshot when there is one.
 * @module
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WsgiApp } from '../core/types.ts';
import { loadPythonApp, type PythonAppFileOptions } from '../python/index.ts';
import { locatePyodide } from '../python/pyodide-factory.ts';
import { artifactAppOptions, CONFIG_FILE, type ArtifactConfig } from './artifact.ts';

/** The artifact's app, loaded from the folder `root`; `onFatal` as for loadPythonApp. */
export async function loadArtifactApp(root: string, onFatal: PythonAppFileOptions['onFatal']): Promise<WsgiApp> {
  const started = performance.now();
  const config = JSON.parse(readFileSync(path.join(root, CONFIG_FILE), 'utf8')) as ArtifactConfig;
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
