/**
 * Starts several servers at once; if any fails to start, stops the ones that did before throwing, so
 * that a failed `beforeAll` (whose results the file never sees) leaves no process behind.
 * @module
 */

export interface Stoppable {
  stop(): Promise<unknown>;
}

export async function startTogether<const T extends readonly Promise<Stoppable>[]>(starts: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(starts);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(settled.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw failure.reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<Stoppable>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
