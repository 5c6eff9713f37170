/**
 * A bytearray of the Python half's read and written where it lies in wasm memory: a copy there costs less
 * than Pyodide's conversion of a str or bytes.
 * @module
 */

import type { PyProxy } from 'pyodide/ffi';

/** A bytearray of the Python half's, whose bytes the host reads and writes in wasm memory. */
export type PythonBytes = PyProxy & { getBuffer(type: 'u8'): PythonBufferView };
/** What `getBuffer` gives: a view of a Python buffer in wasm memory, held until released. */
interface PythonBufferView {
  data: Uint8Array;
  release(): void;
}

/** A bytearray of the Python half's as bytes in wasm memory. */
export class WasmBytes {
  readonly #source: PythonBytes;
  #view: PythonBufferView;

  constructor(source: PythonBytes) {
    this.#source = source;
    this.#view = source.getBuffer('u8');
  }

  data(): Uint8Array {
    if (this.#view.data.byteLength === 0) {
      // Wasm memory grew, which detaches every view of it: ask for the buffer again.
      this.#view.release();
      this.#view = this.#source.getBuffer('u8');
    }
    return this.#view.data;
  }
}
