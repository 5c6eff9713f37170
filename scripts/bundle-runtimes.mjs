#!/usr/bin/env node
// The runtime entries of `wsgi-edge build` (src/build/presets/<target>/runtime.ts), each bundled into one
// ES module in dist/runtime/<target>.mjs, which the build copies into the artifact as it is: the package
// then needs no bundler at a user's build time, and an artifact starts by loading one file. Pyodide
// stays out of the bundle and is found in the artifact's own pyodide/ folder.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { artifactPyodide, bundleLambda } from './lambda-bundle.mjs';

const dist = process.argv[2] ?? 'dist';
const presets = readdirSync('src/build/presets', { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

/**
 * For the Worker's runtime: every `pyodide` import (the loader, and the files ../src/python/workerd.ts
 * imports as Workers modules) is left for wrangler to resolve in the artifact's pyodide/ folder, and
 * wsgi-edge's own wasm beside the runtime.
 */
const workerPyodide = {
  name: 'worker-pyodide',
  setup(builder) {
    builder.onResolve({ filter: /^pyodide(\/.*)?$/ }, ({ path: specifier }) => ({
      path: `./pyodide/${specifier === 'pyodide' ? 'pyodide.mjs' : specifier.slice('pyodide/'.length)}`,
      external: true,
    }));
    // Precompiled wasm (0.27.7's function adapters, the call trampoline) is a CompiledWasm module the build copies beside it.
    builder.onResolve({ filter: /\.wasm$/ }, ({ path: specifier }) => ({ path: `./${path.basename(specifier)}`, external: true }));
  },
};

/** A Worker's runtime: for workerd (the browser builds of dependencies), with the bridge's Python half inlined as text. */
function bundleWorker(entry, outfile) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.py': 'text' },
    plugins: [workerPyodide],
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

await Promise.all(presets.map((preset) => {
  const entry = path.join('src/build/presets', preset, 'runtime.ts');
  const outfile = path.join(dist, 'runtime', `${preset}.mjs`);
  return preset === 'cloudflare' ? bundleWorker(entry, outfile) : bundleLambda(entry, outfile, { plugins: [artifactPyodide] });
}));
