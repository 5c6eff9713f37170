/**
 * The Deno target reuses a streamed body's pooled buffers by a rule read in Deno 2's source
 * (src/targets/deno/stream-response.ts): the rule applies under the `deno` binary, and nowhere else the
 * target's `fetch` may be called from (here Node), where reusing a buffer its reader still holds would
 * send wrong bytes. The faults suite (test/faults/python-deno.test.ts) checks every byte under Deno.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { READS_AS_DENO_2 } from '../../src/targets/deno/stream-response.ts';
import { DENO, quietDenoEnv } from './deno.ts';

const MODULE = pathToFileURL(resolve('src/targets/deno/stream-response.ts')).href;

describe('where the Deno target reuses streamed buffers', () => {
  it('under the deno binary (Deno 2), the rule applies', () => {
    const run = spawnSync(DENO, ['eval', `const m = await import(${JSON.stringify(MODULE)}); console.log(Deno.version.deno, m.READS_AS_DENO_2);`], {
      encoding: 'utf8', env: quietDenoEnv(),
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toMatch(/^2\.\d+\.\d+ true$/);
  });

  it('under Node, which has no Deno global, it does not', () => {
    expect(READS_AS_DENO_2).toBe(false);
  });
});
