/**
 * What undici's `fetch failed` hides: the socket's error, and whether the server closed the connection
 * under the request (a reset, or a FIN: "other side closed"), which a pooled connection can meet.
 * @module
 */

/** undici's codes for a connection the server closed under a request. */
const CLOSED_CONNECTION = new Set(['ECONNRESET', 'UND_ERR_SOCKET']);

export interface FetchFailure {
  /** The server closed the connection before any answer. */
  closedConnection: boolean;
  /** The socket's code and message, for an error that names the request. */
  reason: string;
}

export function fetchFailure(error: unknown): FetchFailure {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return {
    closedConnection: CLOSED_CONNECTION.has(cause?.code ?? ''),
    reason: `${cause?.code ?? ''} ${cause?.message ?? String(error)}`,
  };
}
