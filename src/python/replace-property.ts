/**
 * A global put in place for the length of a load and taken away again: the Workers loader's stand-ins
 * (./workerd-stand-ins.ts) and 0.27.7's module factory on Node and Deno (./pyodide-factory.ts); loads that
 * do so take turns. No platform imports.
 * @module
 */

/** Replaces `target[key]` and returns what puts the old property (or its absence) back. */
export function replaceProperty(target: object, key: string, value: unknown): () => void {
  const previous = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value, configurable: true, writable: true, enumerable: false });
  return () => {
    if (previous === undefined) Reflect.deleteProperty(target, key);
    else Object.defineProperty(target, key, previous);
  };
}

/** A queue for runs that replace globals while they last: each starts once the one before has settled. */
export function takingTurns(): <T>(run: () => Promise<T>) => Promise<T> {
  let previous: Promise<unknown> = Promise.resolve();
  return (run) => {
    const current = previous.then(run);
    previous = current.catch(() => undefined);
    return current;
  };
}
