/**
 * `wsgi.errors`: a text stream that hands complete lines to a sink (by default `console.error`), so a
 * message written in pieces reaches the platform's log as one line.
 * @module
 */

import type { ErrorStream, GatewayOptions } from './types.ts';

class LineErrorStream implements ErrorStream {
  #pending = '';
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  write(text: string): void {
    const lines = (this.#pending + String(text)).split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#emit(line);
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  /** Hands `line` to the sink as it is, whatever partial line the stream holds. */
  emitWhole(line: string): void {
    this.#emit(line);
  }

  flush(): void {
    if (this.#pending) {
      const rest = this.#pending;
      this.#pending = '';
      this.#emit(rest);
    }
  }
}

function consoleError(line: string): void {
  console.error(line);
}

export function createErrorStream(option: GatewayOptions['errors']): ErrorStream {
  if (option === undefined) return new LineErrorStream(consoleError);
  if (typeof option === 'function') return new LineErrorStream(option);
  return option;
}

/**
 * Writes `line` (no newline in it) as a line of its own: past the partial line a stream of the core holds,
 * which it would otherwise join. A stream given as `GatewayOptions.errors` gets it as written text.
 */
export function writeWholeLine(errors: ErrorStream, line: string): void {
  if (errors instanceof LineErrorStream) errors.emitWhole(line);
  else errors.write(`${line}\n`);
}

/** Writes a whole message, one or more lines, and flushes it. */
export function logError(errors: ErrorStream, message: string): void {
  errors.write(message.endsWith('\n') ? message : message + '\n');
  errors.flush();
}
