/**
 * Writes the memory snapshot of the app named by BENCH_PY_APP and BENCH_PY_PATH (as the servers load it)
 * to the file given as the only argument, through `snapshotPythonApp` (what `wsgi-edge snapshot` runs).
 * @module
 */

import { snapshotPythonApp } from '../../src/python/index.ts';
import { pythonAppOptions } from './python-options.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: python-snapshot.js FILE');
const { app, path } = pythonAppOptions(process.env);
await snapshotPythonApp({ app, path }, file);
