/**
 * The Python calls of the requests a server prepares together (a turn of its event loop,
 * src/core/turn-batch.ts), made in one call into the interpreter once all of them are prepared and
 * before any app is called: every app of the batch then runs back to back in Python, with no JavaScript
 * between two of them, which slows the next one (bench/PROFILE.md). When the core then calls the app for
 * a request, its body is ready.
 * @module
 */

import { deferUntilPrepared } from '../core/turn-batch.ts';
import type { Environ, ResponseBody } from '../core/types.ts';

/** One request's call, waiting for the rest of its batch to be prepared. */
export interface BatchedCall<Call> {
  /** The environ the core prepared the request with, and calls the app with. */
  readonly environ: Environ;
  readonly call: Call;
}

/** What the app gives the core for a batched request: its body, or the error it throws. */
export type Answer = () => ResponseBody;

/**
 * Collects the calls of the requests being prepared, has `run` make them all once they have been, and
 * keeps each request's answer until its app is called.
 */
export class CallBatch<Call> {
  #pending: BatchedCall<Call>[] = [];
  readonly #answers = new WeakMap<Environ, Answer>();
  readonly #run: (calls: BatchedCall<Call>[]) => Answer[];

  constructor(run: (calls: BatchedCall<Call>[]) => Answer[]) {
    this.#run = run;
  }

  /** Whether a batch is preparing its requests, so that a call added now is made with theirs. */
  accepting(): boolean {
    return this.#pending.length > 0 || deferUntilPrepared(this.#flush);
  }

  /** Adds the call of a request being prepared (`accepting()` said so). */
  add(environ: Environ, call: Call): void {
    this.#pending.push({ environ, call });
  }

  /** The answer for the request of `environ`, once: `undefined` when its call was not batched. */
  take(environ: Environ): Answer | undefined {
    const answer = this.#answers.get(environ);
    if (answer !== undefined) this.#answers.delete(environ);
    return answer;
  }

  readonly #flush = (): void => {
    const calls = this.#pending;
    if (calls.length === 0) return;
    this.#pending = [];
    const answers = this.#run(calls);
    calls.forEach(({ environ }, i) => this.#answers.set(environ, answers[i]!));
  };
}
