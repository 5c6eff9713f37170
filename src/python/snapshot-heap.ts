/**
 * Room for a memory snapshot larger than Pyodide 314's initial heap (Pyodide issue 6254). 314's wasm
 * defines its own memory, so the `INITIAL_MEMORY` its loader sets from the snapshot's size is ignored:
 * the restore copies the snapshot into a 30 MiB heap and fails with "offset is out of bounds" once Python
 * had grown past it (any app that imports more than the standard library's basics). 0.27.7 makes its
 * memory in JavaScript and honours the setting. Through 314's `createPyodideModule` option this wraps
 * Emscripten's module factory and grows the new module's memory to the snapshot's size before the loader
 * copies it in; the restored heap then overwrites everything in it. No platform imports: Node, Deno and
 * Workers share it.
 *
 * Also the restore of a heap read straight from a file into the new module's memory (`restoringHeap`),
 * with no copy of it in JavaScript (./snapshot-file.ts).
 * @module
 */

import { isPyodide314OrLater } from './pyodide-lines.ts';
import { replaceProperty } from './replace-property.ts';

/** The part of an Emscripten module this needs. */
interface GrowableModule {
  HEAP8: Int8Array;
  /** Emscripten's own growth: grows the wasm memory and renews its views (HEAP8...); 1 when it could. */
  growMemory(size: number): number | undefined;
}

/** The part of an Emscripten module a restore touches: Pyodide's own restore, on the object the loader calls it on. */
interface RestorableModule extends GrowableModule {
  API: { restoreSnapshot(snapshot: Uint8Array): unknown };
}

/** A snapshot's heap, put into a module's memory by the caller rather than from a buffer. */
export interface SnapshotHeap {
  /** Size of Pyodide's part of the snapshot (its header and the heap), from which its loader sizes the memory. */
  bytes: number;
  /** Fills `memory` with the heap from its start. */
  readInto(memory: Int8Array): void;
}

/** Emscripten's module factory, as 314's `loadPyodide({ createPyodideModule })` takes it. */
export type CreatePyodideModule = (settings: object) => Promise<unknown>;

/** `factory`, whose modules have room for `snapshotBytes` bytes of heap before the loader restores into them. */
export function withRoomForSnapshot(factory: CreatePyodideModule, snapshotBytes: number): CreatePyodideModule {
  return async (settings) => {
    const module = (await factory(settings)) as GrowableModule;
    if (module.HEAP8.length < snapshotBytes && module.growMemory(snapshotBytes) !== 1) {
      throw new Error(`wsgi-edge: cannot grow Pyodide's memory to the snapshot's ${snapshotBytes} bytes`);
    }
    return module;
  };
}

/**
 * `factory`, whose modules restore `heap` into their memory themselves. The loader is given Pyodide's
 * header alone (`_loadSnapshot`); Pyodide's `restoreSnapshot` still checks it (magic number, build id)
 * and reads its JavaScript side's state from it, and copies nothing, the heap starting where the header
 * ends; the heap is read into the memory in the same call. The loader sized the memory from what it was
 * given: the settings get the whole part's size instead (0.27.7 makes its memory that size).
 */
export function restoringHeap(factory: CreatePyodideModule, heap: SnapshotHeap): CreatePyodideModule {
  return async (settings) => {
    (settings as { INITIAL_MEMORY?: number }).INITIAL_MEMORY = heap.bytes;
    const module = (await factory(settings)) as RestorableModule;
    const api = module.API;
    const restoreHeader = api.restoreSnapshot;
    const putBack = replaceProperty(api, 'restoreSnapshot', (header: Uint8Array) => {
      putBack();
      const state = restoreHeader.call(api, header);
      heap.readInto(module.HEAP8);
      return state;
    });
    return module;
  };
}

/** True for a Pyodide whose loader takes `createPyodideModule` and needs the room (314 on; 0.27.7 neither). */
export function needsRoomForSnapshot(pyodideVersion: string): boolean {
  return isPyodide314OrLater(pyodideVersion);
}
