/**
 * One Pyodide's interpreter as the bridge enters it, and the errors Python's failures become in JavaScript.
 * @module
 */

/** An exception raised in Python: its message is the first line, its stack the whole formatted traceback. */
export class PythonError extends Error {
  override readonly name = 'PythonError';
  constructor(traceback: string) {
    const lines = traceback.trimEnd().split('\n');
    super(lines[lines.length - 1] ?? 'Python exception');
    this.stack = traceback.trimEnd();
  }
}

/** The interpreter can no longer be trusted (a fatal error in Pyodide, or the app raised SystemExit). */
export class InterpreterDeadError extends Error {
  override readonly name = 'InterpreterDeadError';
}

/**
 * One Pyodide's interpreter, and whether it may still be called. Every app loaded into that Pyodide
 * shares it: when one app kills it, the others are dead too, and each one's `onFatal` is called.
 */
export class Interpreter {
  dead: InterpreterDeadError | undefined;
  /** Pyodide itself failed (not merely SystemExit): nothing may enter it again, not even a close(). */
  broken = false;
  readonly #onFatal: Array<(error: InterpreterDeadError) => void> = [];

  /** Has `onFatal` called when the interpreter dies. */
  watch(onFatal: ((error: InterpreterDeadError) => void) | undefined): void {
    if (onFatal !== undefined) this.#onFatal.push(onFatal);
  }

  die(error: InterpreterDeadError): void {
    if (this.dead) return;
    this.dead = error;
    for (const onFatal of this.#onFatal.splice(0)) onFatal(error);
  }

  /**
   * Runs a call into Python; a JavaScript error out of it means Pyodide itself failed. A dead interpreter
   * takes only `cleanup` calls (the close() PEP 3333 owes an iterable), and those only if it is not broken.
   */
  enter<T>(call: () => T, cleanup = false): T {
    if (this.dead && (this.broken || !cleanup)) throw this.dead;
    try {
      return call();
    } catch (error) {
      if ((error as { pyodide_fatal_error?: boolean } | null)?.pyodide_fatal_error || error instanceof RangeError) {
        this.broken = true;
        this.die(new InterpreterDeadError(`The Python interpreter failed fatally: ${String(error)}`));
      }
      throw error;
    }
  }
}
