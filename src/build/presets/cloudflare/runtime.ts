/**
 * The runtime of `wsgi-edge build cloudflare` (bundled into the package as dist/runtime/cloudflare.mjs,
 * the folder's runtime.mjs). The folder's worker.mjs, which the build writes, imports the artifact's
 * parts as Workers modules and hands them here; Pyodide's own files are imported by ../../../python/workerd.ts.
 *
 * The Worker's global scope does no Python work (Workers allow it one second): Pyodide starts inside
 * the first request, from the snapshot made at build time, with the app's files laid out at
 * ARTIFACT_ROOT as they were when it was made, and `os.environ` set from the Worker's text bindings
 * (`vars` and secrets) of that request; binding objects stay in `environ['cloudflare.env']`.
 * @module
 */

import type { WsgiApp } from '../../../core/types.ts';
import { lazyApp, startPythonApp, type PythonAppOptions } from '../../../python/load.ts';
import { loadPyodideInWorkerd } from '../../../python/workerd.ts';
import bridgeSource from '../../../python/wsgi_edge_bridge.py';
import { handle, type WorkerHandler } from '../../../targets/cloudflare/index.ts';
import { ARTIFACT_ROOT, artifactSysPath, type ArtifactConfig } from '../../artifact.ts';
import { unpackInto, type ArchiveIndex } from './app-files.ts';

/** The artifact's parts, as worker.mjs imports them. */
export interface CloudflareArtifact {
  config: ArtifactConfig;
  index: ArchiveIndex;
  archive: ArrayBuffer;
  /** The memory snapshot, absent when built with --no-snapshot. */
  snapshot?: ArrayBuffer;
}

/** The Worker: the artifact's app behind the Cloudflare target. */
export function serveArtifact(artifact: CloudflareArtifact): WorkerHandler {
  const from = artifact.snapshot === undefined ? ' without a snapshot' : ' from its snapshot';
  let app: WsgiApp | undefined;
  return handle((environ, startResponse) => {
    const load: Parameters<typeof lazyApp>[1] = (onFatal) => loadArtifactApp(artifact, textBindings(environ['cloudflare.env']), onFatal);
    app ??= lazyApp(artifact.config.app, load, undefined, from);
    return app(environ, startResponse);
  });
}

async function loadArtifactApp(artifact: CloudflareArtifact, env: Record<string, string>, onFatal: PythonAppOptions['onFatal']): Promise<WsgiApp> {
  const pyodide = await loadPyodideInWorkerd(artifact.snapshot === undefined ? {} : { snapshot: artifact.snapshot });
  unpackInto(pyodide.FS, ARTIFACT_ROOT, artifact.index, new Uint8Array(artifact.archive));
  for (const [at, relative] of Object.entries(artifact.config.mounts)) {
    pyodide.FS.mkdirTree(at.slice(0, at.lastIndexOf('/')) || '/');
    pyodide.FS.symlink(`${ARTIFACT_ROOT}/${relative}`, at);
  }
  return startPythonApp(pyodide, bridgeSource, { app: artifact.config.app, env, onFatal }, artifactSysPath(artifact.config));
}

/** The bindings that are strings (`vars`, secrets), for os.environ. */
function textBindings(bindings: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof bindings !== 'object' || bindings === null) return env;
  for (const [name, value] of Object.entries(bindings)) if (typeof value === 'string') env[name] = value;
  return env;
}
