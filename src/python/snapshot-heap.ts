/**
 * Room for a memory snapshot larger than Pyodide 314's initial heap (Pyodide issue 6254). 314's wasm
 * defines its own memory, so the `INITIAL_MEMORY` its loader sets from the snapshot's size is ignored:
 * the restore copies the snapshot into a 30 MiB heap and fails with "offset is out of bounds" once Python
 * had grown past it (any app that imports more than the standard library's basics). 0.27.7 makes its
 * memory in JavaScript and honours the setting. Through 314's `createPyodideModule` option this wraps
 * Emscripten's module factory and grows the new module's memory to the snapshot's size before the loader
 * copies it in; the restored heap then overwrites everything in it. No platform imports: Node, Deno and
 * Workers share it.
 * @module
 */

import { isPyodide314OrLater } from './pyodide-lines.ts';

/** The part of an Emscripten module this needs. */
interface GrowableModule {
  HEAP8: Int8Array;
  /** Emscripten's own growth: grows the wasm memory and renews its views (HEAP8...); 1 when it could. */
  growMemory(size: number): number | undefined;
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

/** True for a Pyodide whose loader takes `createPyodideModule` and needs the room (314 on; 0.27.7 neither). */
export function needsRoomForSnapshot(pyodideVersion: string): boolean {
  return isPyodide314OrLater(pyodideVersion);
}
