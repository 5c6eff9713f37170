/**
 * The esbuild settings the bundles share (scripts/build-lambda.mjs, the runtime entries of
 * scripts/bundle-runtimes.mjs, the tests' Lambda fixtures): one ES module for the oldest Node.js runtime
 * the package supports, everything it imports included except `external`.
 */

import { build } from 'esbuild';

/**
 * For an entry that runs in a `wsgi-edge build` artifact: `import('pyodide')` finds the artifact's
 * pyodide/ beside it (and the runtime tells snapshot.ts, through locatePyodide, where the rest of it is).
 */
export const artifactPyodide = {
  name: 'artifact-pyodide',
  setup(builder) {
    builder.onResolve({ filter: /^pyodide$/ }, () => ({ path: './pyodide/pyodide.mjs', external: true }));
  },
};

/** Bundles `entry` into `outfile`; resolves with the bundle's size in bytes. */
export async function bundleLambda(entry, outfile, { external = [], define = {}, plugins = [] } = {}) {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // engines: node >= 20.
    target: 'node20',
    external,
    define,
    plugins,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}
