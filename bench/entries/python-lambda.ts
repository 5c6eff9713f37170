/**
 * A Lambda entry for a Python WSGI app (the bench's Python Lambda package): the app named by
 * WSGI_EDGE_APP ('module:callable', default the seed's), imported from the package's own folder, where
 * the bridge's Python half sits too. Loaded at init (top-level await), so an invocation finds it ready.
 * @module
 */

import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPythonApp } from '../../src/python/index.ts';
import { handle } from '../../src/targets/lambda/index.ts';

const folder = dirname(fileURLToPath(import.meta.url));
export const handler = handle(await loadPythonApp({ app: process.env.WSGI_EDGE_APP ?? 'wsgi_app:simple_app', path: [folder] }));
