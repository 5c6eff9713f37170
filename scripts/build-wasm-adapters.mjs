#!/usr/bin/env node
/**
 * `node scripts/build-wasm-adapters.mjs [--check]`: writes src/python/wasm-function-adapters.wasm, the
 * module that lets Pyodide start in workerd (src/python/wasm-function-adapters.ts says how). It holds one
 * imported function per WebAssembly signature that Pyodide's Emscripten library functions declare
 * (their `.sig` in pyodide.asm.js) and exports each one back, as a wasm function a table accepts.
 * With `--check` it writes nothing and fails if the committed file differs from what the installed
 * Pyodide needs (run it again after upgrading Pyodide).
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const OUTPUT = fileURLToPath(new URL('../src/python/wasm-function-adapters.wasm', import.meta.url));

/** Emscripten's signature letters as wasm value types: p (a pointer) is i32 in wasm32; v is no result. */
const VALUE_TYPES = { i: 0x7f, p: 0x7f, j: 0x7e, f: 0x7d, d: 0x7c, e: 0x6f };
/** The same letters folded to one per wasm type: the export names (src/python/wasm-function-adapters.ts). */
const FOLDED = { i: 'i', p: 'i', j: 'j', f: 'f', d: 'd', e: 'e', v: 'v' };

function signatures(asmSource) {
  const found = new Set();
  for (const [, sig] of asmSource.matchAll(/\.sig="([vijfdpe]+)"/g)) found.add([...sig].map((letter) => FOLDED[letter]).join(''));
  return [...found].sort();
}

function uleb128(value) {
  const bytes = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const name = (text) => [...uleb128(text.length), ...Buffer.from(text, 'ascii')];
const section = (id, entries) => {
  const body = [...uleb128(entries.length), ...entries.flat()];
  return [id, ...uleb128(body.length), ...body];
};

function functionType(sig) {
  const params = [...sig.slice(1)].map((letter) => VALUE_TYPES[letter]);
  const results = sig[0] === 'v' ? [] : [VALUE_TYPES[sig[0]]];
  return [0x60, ...uleb128(params.length), ...params, ...uleb128(results.length), ...results];
}

function adapterModule(asmSource) {
  const sigs = signatures(asmSource);
  const FUNC = 0x00;
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, sigs.map(functionType)),
    ...section(2, sigs.map((sig, index) => [...name('e'), ...name(sig), FUNC, ...uleb128(index)])),
    ...section(7, sigs.map((sig, index) => [...name(sig), FUNC, ...uleb128(index)])),
  ]);
}

const asmPath = createRequire(import.meta.url).resolve('pyodide/pyodide.asm.js');
const wanted = adapterModule(readFileSync(asmPath, 'utf8'));
new WebAssembly.Module(wanted);
if (process.argv.includes('--check')) {
  const committed = new Uint8Array(readFileSync(OUTPUT));
  if (Buffer.compare(committed, wanted) !== 0) {
    console.error(`${OUTPUT} does not match ${asmPath}: run node scripts/build-wasm-adapters.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(OUTPUT, wanted);
  console.log(`${OUTPUT}: ${WebAssembly.Module.exports(new WebAssembly.Module(wanted)).length} signatures, ${wanted.length} bytes`);
}
