#!/usr/bin/env node
// The runtime entries of `wsgi-edge build` (src/build/presets/<target>/runtime.ts), each bundled into one
// ES module in dist/runtime/<target>.mjs, which the build copies into the artifact as it is: the package
// then needs no bundler at a user's build time, and an artifact starts by loading one file. Pyodide
// stays out of the bundle and is found in the artifact's own pyodide/ folder.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { artifactPyodide, bundleLambda } from './lambda-bundle.mjs';

const dist = process.argv[2] ?? 'dist';
const presets = readdirSync('src/build/presets', { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

await Promise.all(presets.map((preset) =>
  bundleLambda(path.join('src/build/presets', preset, 'runtime.ts'), path.join(dist, 'runtime', `${preset}.mjs`), { plugins: [artifactPyodide] })));
