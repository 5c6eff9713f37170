/**
 * The runtime entry of `wsgi-edge build deno` (bundled into the package as dist/runtime/deno.mjs, the
 * folder's main.mjs), for `deno serve`. Top-level await: `deno serve` listens once the app has loaded.
 * A dead interpreter answers its request 500 and the process exits (3), as `wsgi-edge serve` does.
 * @module
 */

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnFatal, handle } from '../../../targets/deno/index.ts';
import { loadArtifactApp } from '../../runtime.ts';

const root = path.dirname(fileURLToPath(import.meta.url));
// Pyodide 0.27's pyodide.asm.js is a CommonJS script that, seeing Node's `process` (which Deno has), uses
// `require` and `__dirname`; Deno imports it as an ES module, which has neither outside node_modules.
const scope = globalThis as { require?: NodeJS.Require; __dirname?: string };
scope.require ??= createRequire(import.meta.url);
scope.__dirname ??= path.join(root, 'pyodide');

export default handle(await loadArtifactApp(root, exitOnFatal()));
