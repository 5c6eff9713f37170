/**
 * `wsgi.errors` on Lambda: each message goes to a `@aws-lambda-powertools/logger` `Logger` (or the
 * user's own), which prints one JSON line carrying the invocation's request id.
 * @module
 */

import type { ErrorStream } from '../../core/types.ts';
import type { LambdaLogger } from './types.ts';

/**
 * Hands complete lines to `logger.error`. A message written in one call (a stack trace, say) stays
 * one log entry instead of one entry per line; an unfinished line waits for its newline or `flush()`.
 */
export class LoggerErrorStream implements ErrorStream {
  readonly #logger: LambdaLogger;
  #pending = '';

  constructor(logger: LambdaLogger) {
    this.#logger = logger;
  }

  write(text: string): void {
    const all = this.#pending + String(text);
    const end = all.lastIndexOf('\n');
    if (end === -1) {
      this.#pending = all;
      return;
    }
    this.#pending = all.slice(end + 1);
    this.#logger.error(all.slice(0, end));
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  flush(): void {
    if (!this.#pending) return;
    const rest = this.#pending;
    this.#pending = '';
    this.#logger.error(rest);
  }
}

let defaultLogger: Promise<LambdaLogger> | undefined;

/**
 * The user's logger, or one powertools `Logger` shared by every invocation of this instance. The
 * package is loaded on first use, so `wsgi-edge/lambda` works without it when a `logger` is given.
 */
export function resolveLogger(option: LambdaLogger | undefined): Promise<LambdaLogger> {
  if (option) return Promise.resolve(option);
  defaultLogger ??= import('@aws-lambda-powertools/logger').then(
    ({ Logger }) => new Logger(
      // POWERTOOLS_SERVICE_NAME, when set, is read by the Logger itself; else name the function.
      process.env.POWERTOOLS_SERVICE_NAME ? {} : { serviceName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'wsgi-edge' },
    ),
    (cause: unknown) => {
      defaultLogger = undefined;
      throw new Error(
        'wsgi-edge/lambda writes wsgi.errors through @aws-lambda-powertools/logger: install it ' +
        '(npm install @aws-lambda-powertools/logger) or pass your own `logger` option',
        { cause },
      );
    },
  );
  return defaultLogger;
}
