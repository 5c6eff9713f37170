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

const start = (status = '200 OK'): Step => ({ kind: 'start', status, headers: [['Content-Type', 'text/plain']], withExcInfo: false });
const plain = (before: Step[], inside: Step[], asyncBody = false): Script => ({ before, inside, asyncBody, closeThrows: false });

/** Cases every run includes first, whatever the seed: the edges of "headers sent" and of CR/LF. */
export const EXAMPLES: [Script, string][] = [
  // Fails after an empty write(): headers count as sent, no body byte yet.
  [plain([start(), { kind: 'write', chunk: '' }, { kind: 'throw' }], []), 'GET'],
  [plain([start()], [{ kind: 'write', chunk: '' }, { kind: 'throw' }]), 'GET'],
  // Fails after the first body byte, sync and async.
  [plain([start()], [{ kind: 'yield', chunk: 'partial' }, { kind: 'throw' }]), 'GET'],
  [plain([start()], [{ kind: 'yield', chunk: 'partial' }, { kind: 'delay' }, { kind: 'throw' }], true), 'POST'],
  // The same on HEAD, where no body byte ever goes out: failing after write() (headers sent), and
  // a body the gateway stops pulling at its first chunk (the throw never runs).
  [plain([start(), { kind: 'write', chunk: 'partial' }, { kind: 'throw' }], []), 'HEAD'],
  [plain([start()], [{ kind: 'yield', chunk: 'partial' }, { kind: 'throw' }]), 'HEAD'],
  // A header value carrying CRLF, then one carrying a bare LF: refused, 500, nothing injected.
  [plain([{ kind: 'start', status: '200 OK', headers: [['X-Bad', 'a\r\nInjected: 1']], withExcInfo: false }], [{ kind: 'yield', chunk: 'x' }]), 'GET'],
  [plain([], [{ kind: 'start', status: '200 OK', headers: [['X-Bad', 'a\nInjected: 1']], withExcInfo: false }, { kind: 'yield', chunk: 'x' }], true), 'GET'],
  // A status line carrying CRLF.
  [plain([{ kind: 'start', status: '200 OK\r\nInjected: 1', headers: [], withExcInfo: false }], [{ kind: 'yield', chunk: 'x' }]), 'GET'],
  // excInfo replacing the status before anything was sent, and a close() that throws after a good body.
  [plain([start(), { kind: 'start', status: '503 Busy', headers: [], withExcInfo: true }], [{ kind: 'yield', chunk: new Uint8Array([0, 0xff, 0x0d, 0x0a]) }]), 'GET'],
  [{ ...plain([start()], [{ kind: 'yield', chunk: 'body' }], true), closeThrows: true }, 'GET'],
];

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
