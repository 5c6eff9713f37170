/**
 * Pyodide (the npm package `pyodide`, 0.27.7 or 314.x, whichever is installed) started inside a
 * Cloudflare Worker, unpatched, from files bundled with the Worker: the wasm as a `CompiledWasm` module
 * (workerd compiles no wasm from bytes), the standard library as `Data` and the lock file and wsgi-edge's
 * Python bridge as `Text`. The Worker's wrangler.toml needs rules for those (app/cloudflare-python/wrangler.toml
 * has them, to copy), and no `nodejs_compat`: with it Pyodide takes its Node path, whose `require("node:fs")`
 * fails in a bundled Worker.
 *
 * CPython's calls through C function pointers stay in wasm with ./call-trampoline.ts's module, which
 * workerd cannot compile from its bytes: it comes precompiled, `call-trampoline.wasm` (imported here, and
 * only here: a `.wasm` import is for Workers' bundlers, never on the Node or Deno path).
 *
 * Call it from a request, never at the top of the module: start-up takes seconds (under half a second
 * from a memory snapshot), more than Workers allow a Worker's global scope.
 * @module
 */

import type { PyodideInterface } from 'pyodide';
import pyodideWasm from 'pyodide/pyodide.asm.wasm';
import lockFile from 'pyodide/pyodide-lock.json';
import standardLibrary from 'pyodide/python_stdlib.zip';
import bridgeSource from './wsgi_edge_bridge.py';
import callTrampoline from './call-trampoline.wasm';
import type { WsgiApp } from '../core/types.ts';
import { installCallTrampoline } from './call-trampoline.ts';
import { lazyApp, startPythonApp, type PythonAppOptions } from './load.ts';
import { isPyodide314OrLater } from './pyodide-lines.ts';
import { replaceProperty, takingTurns } from './replace-property.ts';
import { afterRestore, isSnapshotFile, parseSnapshot, SnapshotMismatchError } from './snapshot-format.ts';
import { withRoomForSnapshot, type CreatePyodideModule } from './snapshot-heap.ts';
import { installLoaderStandIns, installWasmFunctionStandIn, instantiating, type ServedFiles } from './workerd-stand-ins.ts';

export { InterpreterDeadError, PythonError } from './interpreter.ts';
export { SnapshotMismatchError } from './snapshot-format.ts';
export { FILES_DIR, type PythonAppOptions } from './load.ts';

export type { PyodideInterface } from 'pyodide';

export interface WorkerdPyodideOptions {
  /**
   * A memory snapshot of this same Pyodide build, bundled as a `Data` module: start-up then skips Python's
   * own initialisation (and the app's imports, when the snapshot has them). Either a file `wsgi-edge
   * snapshot` wrote, whose header must name this Pyodide, or the bare bytes of Pyodide's own
   * `makeMemorySnapshot()` (made in Node under `loadPyodide({ _makeSnapshot: true })`; Pyodide marks both
   * as internal, so they may change between versions). `wsgi-edge build cloudflare` makes and bundles one.
   */
  snapshot?: ArrayBuffer | Uint8Array;
}

/** Where the loader believes its files are; it fetches them from here and the stand-in fetch answers. */
const INDEX_URL = 'https://pyodide.invalid/';

const SERVED: ServedFiles = new Map([
  ['python_stdlib.zip', () => new Response(standardLibrary)],
  ['pyodide-lock.json', () => new Response(lockFile, { headers: { 'Content-Type': 'application/json' } })],
]);

/** The stand-ins are globals, so loads take turns. */
const inTurn = takingTurns();

/** A new Pyodide (its own interpreter each call) with the call trampoline; from a snapshot, told what a restore needs (`afterRestore`). */
export function loadPyodideInWorkerd(options: WorkerdPyodideOptions = {}): Promise<PyodideInterface> {
  return inTurn(() => loadWithStandIns(options));
}

async function loadWithStandIns(options: WorkerdPyodideOptions): Promise<PyodideInterface> {
  const removals = [installLoaderStandIns(INDEX_URL, SERVED)];
  try {
    // Imported here rather than at the top: evaluating them needs the stand-ins (and takes time).
    const { loadPyodide, version } = await import('pyodide');
    const memory = options.snapshot === undefined ? undefined : snapshotMemory(options.snapshot, version);
    const snapshot = memory === undefined ? {} : { _loadSnapshot: memory };
    if (!isPyodide314OrLater(version)) {
      // 0.27.7's glue is a script that leaves its factory in a global, where its loader looks.
      removals.push(installWasmFunctionStandIn());
      const { _createPyodideModule: factory } = await importGlue027();
      removals.push(replaceProperty(globalThis, '_createPyodideModule', instantiating(factory, pyodideWasm)));
      return restored(await loadPyodide({ indexURL: INDEX_URL, ...snapshot }), memory);
    }
    // 314's glue is a module exporting the factory, which its loader takes as an option.
    let factory = instantiating((await importGlue314()).default, pyodideWasm);
    if (memory !== undefined) factory = withRoomForSnapshot(factory, memory.byteLength);
    // A variable, not a literal: `createPyodideModule` is 314's option, and the types are 0.27.7's.
    const options314 = { indexURL: INDEX_URL, ...snapshot, createPyodideModule: factory };
    return restored(await loadPyodide(options314), memory);
  } finally {
    for (const remove of removals.reverse()) remove();
  }
}

/** Pyodide's part of `snapshot`: a wsgi-edge snapshot file's, after checking it was made by `version`, or the bytes as given. */
function snapshotMemory(snapshot: ArrayBuffer | Uint8Array, version: string): Uint8Array {
  const bytes = snapshot instanceof Uint8Array ? snapshot : new Uint8Array(snapshot);
  if (!isSnapshotFile(bytes)) return bytes;
  const { header, memory } = parseSnapshot(bytes);
  if (header.pyodide !== version) {
    throw new SnapshotMismatchError(`wsgi-edge: the snapshot was made by Pyodide ${header.pyodide}, but this Worker bundles Pyodide ${version}: make it again with that Pyodide`);
  }
  return memory;
}

/** `pyodide` made ready to serve: told what a restore needs (`afterRestore`), given the call trampoline. */
function restored(pyodide: PyodideInterface, memory: Uint8Array | undefined): PyodideInterface {
  if (memory !== undefined) afterRestore(pyodide);
  installCallTrampoline(pyodide, callTrampoline);
  return pyodide;
}

/**
 * The glue of the Pyodide installed: only the one that exists is bundled. The bundler (esbuild, under
 * wrangler) leaves an import it cannot resolve inside `try` as it is, a module that fails only if run.
 */
async function importGlue027(): Promise<{ _createPyodideModule: CreatePyodideModule }> {
  try {
    await import('pyodide/pyodide.asm.js');
  } catch (error) {
    throw new Error(`wsgi-edge: Pyodide's pyodide.asm.js is not in this Worker: ${(error as Error).message}`);
  }
  const factory = (globalThis as { _createPyodideModule?: CreatePyodideModule })._createPyodideModule;
  if (typeof factory !== 'function') throw new Error('wsgi-edge: pyodide.asm.js did not define _createPyodideModule');
  return { _createPyodideModule: factory };
}

async function importGlue314(): Promise<{ default: CreatePyodideModule }> {
  try {
    return (await import('pyodide/pyodide.asm.mjs')) as { default: CreatePyodideModule };
  } catch (error) {
    throw new Error(`wsgi-edge: Pyodide's pyodide.asm.mjs is not in this Worker: ${(error as Error).message}`);
  }
}

/**
 * `wsgi-edge/python` on Workers: the app from `options.files` (there is no file system to take `path`
 * from), in a Pyodide started inside Workers (or `options.pyodide`).
 */
export async function loadPythonApp(options: PythonAppOptions & WorkerdPyodideOptions): Promise<WsgiApp> {
  if (options.path?.length) throw new Error('wsgi-edge: options.path needs a file system; on Workers give the sources as options.files');
  const pyodide = await (options.pyodide ?? loadPyodideInWorkerd(options));
  // A Pyodide the caller loaded has none yet (or has it already: then this does nothing).
  installCallTrampoline(pyodide, callTrampoline);
  return startPythonApp(pyodide, bridgeSource, options);
}

/**
 * `loadPythonApp(options)` on the first request, as Workers need (start-up takes seconds). After a fatal
 * interpreter error the next request starts a fresh Pyodide.
 */
export function lazyPythonApp(options: PythonAppOptions & WorkerdPyodideOptions): WsgiApp {
  return lazyApp(options.app, (onFatal) => loadPythonApp({ ...options, onFatal }), options.onFatal);
}
