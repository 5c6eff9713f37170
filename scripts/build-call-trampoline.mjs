#!/usr/bin/env node
/**
 * `node scripts/build-call-trampoline.mjs [--check]`: writes src/python/call-trampoline.wasm, the module
 * of src/python/call-trampoline.ts (CPython's calls through C function pointers kept in wasm) compiled
 * ahead of time for workerd, which compiles no wasm from bytes. The bytes are `callerModule()`'s, taken
 * from that file (through tsx), so there is one source of them. With `--check` it writes nothing and fails
 * if the committed file differs from them (run it again after changing `callerModule`).
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const OUTPUT = fileURLToPath(new URL('../src/python/call-trampoline.wasm', import.meta.url));
const SOURCE = '../src/python/call-trampoline.ts';

const { callerModule } = await tsImport(SOURCE, import.meta.url);
const wanted = callerModule();
new WebAssembly.Module(wanted);
if (process.argv.includes('--check')) {
  const committed = new Uint8Array(readFileSync(OUTPUT));
  if (Buffer.compare(committed, wanted) !== 0) {
    console.error(`${OUTPUT} does not match callerModule() of src/python/call-trampoline.ts: run node scripts/build-call-trampoline.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(OUTPUT, wanted);
  console.log(`${OUTPUT}: ${wanted.length} bytes`);
}
