/**
 * src/python/wasm-function-adapters.wasm is built from the installed Pyodide (its Emscripten signatures):
 * after a Pyodide upgrade the committed file must be built again, or Pyodide cannot start in workerd.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('src/python/wasm-function-adapters.wasm', () => {
  it('covers every signature of the installed Pyodide (node scripts/build-wasm-adapters.mjs --check)', async () => {
    const { stdout, stderr } = await run(process.execPath, ['scripts/build-wasm-adapters.mjs', '--check']);
    expect([stdout, stderr]).toEqual(['', '']);
  });
});
