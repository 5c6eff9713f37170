/**
 * src/python/call-trampoline.wasm is `callerModule()` of src/python/call-trampoline.ts compiled ahead of
 * time for workerd: after a change to those bytes the committed file must be written again, or Workers
 * run an older trampoline than Node and Deno.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('src/python/call-trampoline.wasm', () => {
  it('holds the bytes of callerModule() (node scripts/build-call-trampoline.mjs --check)', async () => {
    const { stdout, stderr } = await run(process.execPath, ['scripts/build-call-trampoline.mjs', '--check']);
    expect([stdout, stderr]).toEqual(['', '']);
  });
});
