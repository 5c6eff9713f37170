/**
 * Test helper run as its own process (Node through tsx, or Deno): restores the snapshot argv[2] of the
 * module `counter_mod` from the folder argv[3], mounts that folder again as the bridge would, and prints
 * what survived as one JSON line, with the bytes of ArrayBuffers the process holds as soon as the restore
 * is over and after a full collection (Node: run with --expose-gc and --single-threaded-gc).
 */
import process from 'node:process';
import { loadSnapshot } from '../../src/python/snapshot.ts';

const [file, folder] = process.argv.slice(2) as [string, string];
const pyodide = await loadSnapshot(file, { app: 'counter_mod:app', path: [folder] });
const arrayBuffersAtOnce = process.memoryUsage().arrayBuffers;
pyodide.FS.mkdirTree(folder);
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, folder);
const state = pyodide.runPython(`
import json, random, sys
import counter_mod
import lazy_mod
json.dumps({'count': counter_mod.bump(), 'token': counter_mod.TOKEN, 'random': random.random(),
            'lazy': lazy_mod.VALUE, 'onPath': sys.path.index(${JSON.stringify(folder)}),
            'emptyEntries': sys.path.count('')})
`) as string;
(globalThis as { gc?: () => void }).gc?.();
console.log(JSON.stringify({ ...JSON.parse(state), arrayBuffersAtOnce, arrayBuffers: process.memoryUsage().arrayBuffers }));
