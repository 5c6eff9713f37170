/**
 * The gateway's errors. One class with a stable `code`; the HTTP status a client gets for it when the
 * error surfaces before any header was sent. Messages quote the offending value, as CPython's do.
 * @module
 */

export type WsgiErrorCode =
  | 'bad-status'
  | 'bad-header'
  | 'hop-by-hop-header'
  | 'start-response-twice'
  | 'no-start-response'
  | 'bad-body'
  | 'bad-chunk'
  | 'write-after-end'
  | 'content-length-short'
  | 'body-too-large'
  | 'input-failed';

const CLIENT_STATUS: Partial<Record<WsgiErrorCode, number>> = {
  'body-too-large': 413,
  'input-failed': 400,
};

export class WsgiError extends Error {
  override readonly name = 'WsgiError';
  readonly code: WsgiErrorCode;

  constructor(code: WsgiErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The status to answer with when this error ends a request before headers were sent. */
  get status(): number {
    return CLIENT_STATUS[this.code] ?? 500;
  }

  /** Checks by name rather than `instanceof`, so errors from another copy of the module still count. */
  static is(error: unknown): error is WsgiError {
    return error instanceof Error && error.name === 'WsgiError' && 'code' in error;
  }
}

/** The body of a 500: fixed text, never diagnostics (wsgiref `BaseHandler.error_body`). */
export const SERVER_ERROR_BODY = 'A server error occurred.  Please contact the administrator.';

/** Short fixed bodies for the client errors the gateway answers itself. */
export const CLIENT_ERROR_BODY: Readonly<Record<number, string>> = {
  400: 'Bad Request: the request body could not be read.',
  404: 'Not Found',
  413: 'Payload Too Large: the request body exceeds the limit of this server.',
};

/** The body of the 400 for a request no app may see (more than one Host, CONNECT), as servers word it. */
export const BAD_REQUEST_BODY = 'Bad Request';

/** The body of the 400 for a request whose URL cannot be parsed. */
export const BAD_URL_BODY = 'Bad Request: the request URL cannot be parsed.';

/** A readable one-line rendering of a thrown value, with the stack when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  try {
    return `Thrown value: ${JSON.stringify(error)}`;
  } catch {
    return `Thrown value: ${String(error)}`;
  }
}
