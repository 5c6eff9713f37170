/**
 * fast-check arbitraries for generated apps (the script type is in app-script.ts), and the run
 * parameters every property over them uses: `numRuns` as given, unless a failure is being replayed.
 *
 * Replaying: fast-check prints `seed` and `path` when a property fails; run the same file with
 * `FC_SEED=<seed> FC_PATH=<path> npx vitest run <file>` to run exactly the failing case (FC_PATH is
 * optional: the seed alone reruns the same sequence from the start). `FC_NUM_RUNS=<n>` runs more (or fewer)
 * cases than the file asks for.
 * @module
 */

import fc from 'fast-check';
import type { Chunk, HeaderPair } from '../../src/index.ts';
import type { Script, Step } from './app-script.ts';

const goodStatus = fc.constantFrom('200 OK', '201 Created', '404 Not Found', '418 I\'m a teapot', '503 Busy');
const badStatus = fc.constantFrom('200', 'OK 200', '200 OK\r\nX: 1', '99 Low', '200\tOK', '');
const goodHeader = fc.tuple(fc.constantFrom('X-A', 'Set-Cookie', 'Content-Type', 'x-b'), fc.string({ maxLength: 8, unit: fc.constantFrom('a', ' ', '=', '\t', 'é') }));
const badHeader = fc.constantFrom<HeaderPair>(['X-Bad', 'a\r\nInjected: 1'], ['X-Bad', 'a\nb'], ['Bad Name', 'v'], ['Connection', 'close'], ['X-Wide', '\u2028']);
const chunk: fc.Arbitrary<Chunk> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.uint8Array({ maxLength: 6 }),
  fc.constant(''),
);
export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    kind: fc.constant('start' as const),
    status: fc.oneof({ weight: 4, arbitrary: goodStatus }, { weight: 1, arbitrary: badStatus }),
    headers: fc.array(fc.oneof({ weight: 6, arbitrary: goodHeader.map((h): HeaderPair => h) }, { weight: 1, arbitrary: badHeader }), { maxLength: 3 }),
    withExcInfo: fc.boolean(),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write' as const), chunk }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('yield' as const), chunk }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'throw' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delay' as const }) },
);
export const script: fc.Arbitrary<Script> = fc.record({
  before: fc.array(step.filter((s) => s.kind !== 'yield'), { maxLength: 3 }),
  inside: fc.array(step, { maxLength: 6 }),
  asyncBody: fc.boolean(),
  closeThrows: fc.boolean(),
});
export const method = fc.constantFrom('GET', 'HEAD', 'POST');

/**
 * `{ numRuns }` (FC_NUM_RUNS overrides it, for a longer run by hand), with the replay of a printed
 * failure when FC_SEED (and optionally FC_PATH) is set.
 */
export function runParameters<Ts>(numRuns: number): fc.Parameters<Ts> {
  numRuns = Number(process.env.FC_NUM_RUNS) || numRuns;
  const seed = process.env.FC_SEED;
  if (seed === undefined || seed === '') return { numRuns };
  const path = process.env.FC_PATH;
  return { numRuns, seed: Number(seed), ...(path ? { path, endOnFailure: true } : {}) };
}
