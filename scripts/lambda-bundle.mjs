/**
 * The esbuild settings both Lambda builds share (scripts/build-lambda.mjs, scripts/build-lambda-python.mjs):
 * one ES module for the oldest Node.js runtime the package supports, everything it imports included
 * except `external`.
 */

import { build } from 'esbuild';

/** Bundles `entry` into `outfile`; resolves with the bundle's size in bytes. */
export async function bundleLambda(entry, outfile, { external = [], define = {} } = {}) {
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
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}
