/**
 * The Deno types the Deno target names, written out structurally (as Hono's `deno.d.ts` does) so the
 * published `.d.ts` files compile without Deno's global namespace. `deno check` verifies them against
 * Deno's own `Deno.ServeDefaultExport` (test/deno/typings.test.ts).
 * @module
 */

/** `Deno.NetAddr`: a TCP or UDP peer. */
export interface NetAddr {
  transport: 'tcp' | 'udp';
  hostname: string;
  port: number;
}

/** `Deno.UnixAddr`: a Unix socket peer (no address to report). */
export interface UnixAddr {
  transport: 'unix' | 'unixpacket';
  path: string;
}

/** `Deno.VsockAddr`: a VSOCK peer. */
export interface VsockAddr {
  transport: 'vsock';
  cid: number;
  port: number;
}

/** `Deno.ServeHandlerInfo`: the second argument `Deno.serve` gives a handler. */
export interface ServeHandlerInfo {
  readonly remoteAddr: NetAddr | UnixAddr | VsockAddr;
  /** Settles once the response has been sent (or the request failed). */
  readonly completed: Promise<void>;
}

/** `Deno.ServeDefaultExport`, reduced to `fetch`: what `deno serve` wants as a module's default export. */
export interface DenoServeHandler {
  /** A `Response` at once when the app needed no waiting, else a promise of one. */
  fetch(request: Request, info: ServeHandlerInfo): Response | Promise<Response>;
}
