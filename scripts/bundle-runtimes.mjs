#!/usr/bin/env node
// The runtime entries of `wsgi-edge build` (src/build/presets/<target>/runtime.ts), each bundled into one
// ES module in dist/runtime/<target>.mjs, which the build copies into the artifact as it is: the package
// then needs no bundler at a user's build time, and an artifact starts by loading one file. Pyodide
// stays out of the bundle and is found in the artifact's own pyodide/ folder.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const dist = process.argv[2] ?? 'dist';
const presets = readdirSync('src/build/presets', { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

/** `import('pyodide')` → the artifact's pyodide/pyodide.mjs, beside the entry. */
const artifactPyodide = {
  name: 'artifact-pyodide',
  setup(builder) {
    builder.onResolve({ filter: /^pyodide$/ }, () => ({ path: './pyodide/pyodide.mjs', external: true }));
  },
};

await Promise.all(presets.map((preset) => build({
  entryPoints: [path.join('src/build/presets', preset, 'runtime.ts')],
  outfile: path.join(dist, 'runtime', `${preset}.mjs`),
  bundle: true,
  platform: 'node',
  format: 'esm',
  // engines: node >= 20; Deno reads the same.
  target: 'node20',
  plugins: [artifactPyodide],
  legalComments: 'none',
  logLevel: 'warning',
})));
