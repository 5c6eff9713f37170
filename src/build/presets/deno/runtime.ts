/**
 * The runtime entry of `wsgi-edge build deno` (bundled into the package as dist/runtime/deno.mjs, the
 * folder's main.mjs), for `deno serve`. Top-level await: `deno serve` listens once the app has loaded.
 * A dead interpreter answers its request 500 and the process exits (3), as `wsgi-edge serve` does.
 * @module
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnFatal, handle } from '../../../targets/deno/index.ts';
import { loadArtifactApp } from '../../runtime.ts';

export default handle(await loadArtifactApp(path.dirname(fileURLToPath(import.meta.url)), exitOnFatal()));
