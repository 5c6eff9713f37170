/**
 * What a built artifact holds and how its runtime entry reads it, shared by the builder (./index.ts) and
 * every preset's runtime entry (presets/<target>/runtime.ts), which is bundled into the package and must
 * stay small: it imports nothing of the builder.
 *
 * An artifact is a folder (zipped for Lambda): the runtime entry, Pyodide's files under `pyodide/`,
 * the bridge's Python half, the app's folders under `python/`, folders the app reads under `mounts/`,
 * an optional memory snapshot, and `wsgi-edge.json` saying how they fit together. Inside Pyodide the
 * artifact is always mounted at ARTIFACT_ROOT, wherever it is unpacked, because a snapshot holds the
 * absolute paths on sys.path and in every imported module's `__file__`. It imports nothing of Node's:
 * the Cloudflare runtime entry reads it in a Worker.
 * @module
 */

/** Where the artifact is mounted inside Pyodide: Lambda's task root, so tracebacks there name real files. */
export const ARTIFACT_ROOT = '/var/task';
export const CONFIG_FILE = 'wsgi-edge.json';
export const SNAPSHOT_FILE = 'app.snapshot';

export interface ArtifactConfig {
  /** The app spec as the bridge takes it (`module:callable`, `module:factory(...)`). */
  app: string;
  /** sys.path folders, relative to the artifact, in order. */
  path: string[];
  /** Folders the app reads at a fixed path: `{ pyodidePath: folder relative to the artifact }`. */
  mounts: Record<string, string>;
  /** The snapshot file, relative to the artifact, or null when built with --no-snapshot. */
  snapshot: string | null;
  /** The Pyodide it was built with (the one under pyodide/). */
  pyodide: string;
}

/** How the app of an artifact unpacked at `root` is loaded: its spec, sys.path inside Pyodide, and the mounts. */
export function artifactAppOptions(config: ArtifactConfig, root: string): { app: string; path: string[]; mounts: Record<string, string> } {
  const mounts: Record<string, string> = { [ARTIFACT_ROOT]: root };
  for (const [at, relative] of Object.entries(config.mounts)) mounts[at] = `${root.replace(/[\\/]+$/, '')}/${relative}`;
  return { app: config.app, path: artifactSysPath(config), mounts };
}

/** sys.path inside Pyodide: the artifact's folders under ARTIFACT_ROOT. */
export function artifactSysPath(config: ArtifactConfig): string[] {
  return config.path.map((folder) => `${ARTIFACT_ROOT}/${folder}`);
}
