/**
 * How runtimes with a file system (Node, Deno, Lambda) load the installed Pyodide: through Emscripten's
 * module factory, wrapped. Pyodide's loader hands the factory a settings object whose `instantiateWasm`
 * hook holds the wasm file's bytes (10 MiB), and Emscripten's glue keeps that object for the life of the
 * process (the module it returns is a copy): the wrapper takes the hook off both once the module is
 * instantiated, so the bytes go at V8's next full collection, which the rest of a load runs
 * (bench/PROFILE.md, item 3). A restore reads its heap into the new module here, and under 314 gets the
 * room for it first (./snapshot-heap.ts).
 * @module
 */

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { PyodideInterface } from 'pyodide';
import { isPyodide314OrLater } from './pyodide-lines.ts';
import { needsRoomForSnapshot, restoringHeap, withRoomForSnapshot, type CreatePyodideModule, type SnapshotHeap } from './snapshot-heap.ts';
import { replaceProperty, takingTurns } from './replace-property.ts';

/** `loadPyodide`'s options. */
export type LoadPyodideOptions = NonNullable<Parameters<typeof import('pyodide').loadPyodide>[0]>;

let pyodideEntry: string | undefined;

/**
 * Where `pyodide.mjs` is (a file URL) when it is not the `pyodide` package this module resolves: a
 * `wsgi-edge build` artifact carries its own Pyodide beside its bundled runtime.
 */
export function locatePyodide(entry: string): void {
  pyodideEntry = entry;
}

/** The settings' and the module's hook, which the wrapper takes off. */
interface WithInstantiateHook {
  instantiateWasm?: unknown;
}

/** `factory`, whose modules keep no `instantiateWasm` hook, nor does the settings object given to it. */
function forgettingWasmBytes(factory: CreatePyodideModule): CreatePyodideModule {
  return async (settings) => {
    const module = await factory(settings);
    delete (settings as WithInstantiateHook).instantiateWasm;
    delete (module as WithInstantiateHook).instantiateWasm;
    return module;
  };
}

/**
 * The installed Pyodide's factory. 314's glue is an ES module exporting it. 0.27.7's, pyodide.asm.js, is a
 * CommonJS script that defines the global `_createPyodideModule` (its loader imports it only when that is
 * missing): required here, it is compiled as CommonJS at once, where an import has Node first try it as an
 * ES module and then scan it for exports (a fifth of a restore's CPU, bench/PROFILE.md), and Deno gets the
 * CommonJS scope it needs (`require`, which it calls on seeing `process`).
 */
async function installedFactory(version: string): Promise<CreatePyodideModule> {
  const entry = pyodideEntry ?? import.meta.resolve('pyodide');
  if (isPyodide314OrLater(version)) {
    return ((await import(new URL('pyodide.asm.mjs', entry).href)) as { default: CreatePyodideModule }).default;
  }
  const global = globalThis as { _createPyodideModule?: CreatePyodideModule };
  if (typeof global._createPyodideModule !== 'function') {
    const glue = fileURLToPath(new URL('pyodide.asm.js', entry));
    createRequire(glue)(glue);
  }
  if (typeof global._createPyodideModule !== 'function') throw new Error(`wsgi-edge: Pyodide ${version}'s pyodide.asm.js defined no _createPyodideModule`);
  return global._createPyodideModule;
}

/** 0.27.7's loader finds its factory as a global, which a load replaces for its duration: loads take turns. */
const inTurn = takingTurns();

/**
 * `loadPyodide(options)` of the installed Pyodide through its wrapped factory. A restore passes the
 * snapshot's heap, and only Pyodide's header of it as `options._loadSnapshot`.
 */
export async function loadInstalledPyodide(options: LoadPyodideOptions, heap?: SnapshotHeap): Promise<PyodideInterface> {
  const { loadPyodide, version } = await import('pyodide');
  let factory = forgettingWasmBytes(await installedFactory(version));
  if (heap !== undefined) {
    if (needsRoomForSnapshot(version)) factory = withRoomForSnapshot(factory, heap.bytes);
    factory = restoringHeap(factory, heap);
  }
  if (isPyodide314OrLater(version)) {
    // A variable, not a literal: `createPyodideModule` is 314's option, and the types are 0.27.7's.
    const options314 = { ...options, createPyodideModule: factory };
    return loadPyodide(options314);
  }
  return inTurn(async () => {
    const restore = replaceProperty(globalThis, '_createPyodideModule', factory);
    try {
      return await loadPyodide(options);
    } finally {
      restore();
    }
  });
}
