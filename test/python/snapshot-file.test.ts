/**
 * src/python/snapshot-file.ts: a snapshot's heap restored from its file leaves the memory equal to the
 * heap, and the heap's zero pages unallocated (in a process of its own, test/python/heap-pages.ts).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DENO, quietDenoEnv } from '../deno/deno.ts';

const run = promisify(execFile);
const HEAP_PAGES = resolve('test/python/heap-pages.ts');

interface Restored {
  equal: boolean;
  rssGrowthMiB: number;
  heapMiB: number;
}

const expectRestored = (restored: Restored) => {
  // Pages the module had written where the heap has zeros are zero again, and the written ones are the heap's.
  expect(restored.equal).toBe(true);
  // The heap is 64 MiB, 2 MiB of it written: writing every page, as Pyodide's restore does, grows the
  // process by all 64.
  expect(restored.rssGrowthMiB).toBeLessThan(restored.heapMiB / 4);
};

describe("a snapshot's heap read from its file", () => {
  it('is written page by page where it differs from the memory, in Node', async () => {
    expectRestored(JSON.parse((await run(process.execPath, ['--import', 'tsx', HEAP_PAGES])).stdout) as Restored);
  }, 60_000);

  it('and in Deno', async () => {
    expectRestored(JSON.parse((await run(DENO, ['run', '--allow-read', '--allow-write', '--allow-env', HEAP_PAGES], { env: quietDenoEnv() })).stdout) as Restored);
  }, 60_000);
});
