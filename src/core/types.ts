/**
 * The WSGI calling convention in TypeScript: the port of `wsgiref/types.py` (PEP 3333).
 *
 * Python name → wsgi-edge name: `WSGIApplication` → `WsgiApp`, `StartResponse` → `StartResponse`,
 * `WSGIEnvironment` → `Environ`, `InputStream` → `InputStream`, `ErrorStream` → `ErrorStream`.
 * @module
 */

import type { FileWrapperFactory } from './file-wrapper.ts';

/** A body chunk. Bytes are sent as they are; a string chunk is sent as UTF-8. */
export type Chunk = Uint8Array | string;

/** What an app returns: any sync or async iterable of chunks, optionally with `close()` (PEP 3333 A10). */
export type ResponseBody = (Iterable<Chunk> | AsyncIterable<Chunk>) & {
  close?(): void | Promise<void>;
};

/** The legacy `write()` callable returned by `startResponse` (PEP 3333 "The write() Callable"). */
export type WriteFn = (chunk: Chunk) => void;

/** A response header as the app gives it: `[name, value]`, both native (latin-1) strings. */
export type HeaderPair = [name: string, value: string];

/**
 * `start_response(status, response_headers, exc_info=None)`. `excInfo` is the caught error itself
 * (JavaScript has no `sys.exc_info()` triple); once headers are sent, passing it rethrows it.
 */
export type StartResponse = (status: string, headers: HeaderPair[], excInfo?: unknown) => WriteFn;

/** A WSGI application: called once per request, sync or async. */
export type WsgiApp = (environ: Environ, startResponse: StartResponse) => ResponseBody | Promise<ResponseBody>;

/** `wsgi.input`: the request body, read lazily from the request stream. Every method yields bytes. */
export interface InputStream extends AsyncIterable<Uint8Array> {
  /** Up to `size` bytes; the rest of the body when `size` is omitted or negative; empty at EOF. */
  read(size?: number): Promise<Uint8Array>;
  /** One line including its `\n`, at most `size` bytes; empty at EOF. */
  readline(size?: number): Promise<Uint8Array>;
  /** The remaining lines; stops once their total reaches `hint` bytes when `hint` is positive. */
  readlines(hint?: number): Promise<Uint8Array[]>;
}

/**
 * What the gateway reads of a request. A Fetch `Request` is one; a transport that has no `Request` (Node's
 * `http`, a Lambda event) hands over these parts rather than building one.
 */
export interface IncomingRequest {
  readonly method: string;
  /**
   * The absolute URL; a raw request target appended to an origin is fine. Its query reaches
   * `QUERY_STRING` as written here (native string; never re-encoded), so a transport puts it in as received.
   */
  readonly url: string;
  readonly headers: RequestHeaders;
  /** `null` when the request has no body; its bytes when the transport already holds all of it. */
  readonly body: ReadableStream<Uint8Array> | Uint8Array | null;
}

/** Request headers: what the gateway uses of Fetch `Headers`. */
export interface RequestHeaders {
  /** The value, repeats joined with `, `; `null` when absent. `name` is given in lower case. */
  get(name: string): string | null;
  /** Calls `callback` for each header, `name` in lower case (repeats may come one by one). */
  forEach(callback: (value: string, name: string) => void): void;
}

/** `wsgi.errors`: a text stream for the app's and the gateway's diagnostics. */
export interface ErrorStream {
  write(text: string): void;
  writelines(lines: Iterable<string>): void;
  flush(): void;
}

/**
 * The WSGI environ. CGI keys are native strings: every character is U+0000..U+00FF and stands for one
 * byte of the request (PEP 3333 "Unicode Issues"). Extension keys are namespaced (`wsgi_edge.request`,
 * `cloudflare.env`, `aws_lambda.event`, `deno.info`).
 */
export interface Environ {
  REQUEST_METHOD: string;
  SCRIPT_NAME: string;
  PATH_INFO: string;
  QUERY_STRING: string;
  RAW_URI?: string;
  CONTENT_TYPE?: string;
  CONTENT_LENGTH?: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SERVER_PROTOCOL: string;
  REMOTE_ADDR?: string;
  HTTP_HOST?: string;
  [httpHeader: `HTTP_${string}`]: string | undefined;
  'wsgi.version': readonly [1, 0];
  'wsgi.url_scheme': string;
  'wsgi.input': InputStream;
  'wsgi.errors': ErrorStream;
  'wsgi.multithread': boolean;
  'wsgi.multiprocess': boolean;
  'wsgi.run_once': boolean;
  'wsgi.input_terminated'?: boolean;
  /** PEP 3333's optional file wrapper: `environ['wsgi.file_wrapper'](blobOrStream)` as the body. */
  'wsgi.file_wrapper'?: FileWrapperFactory;
  /** The request as the platform gave it: a Fetch `Request` on Fetch runtimes, else its parts. */
  'wsgi_edge.request'?: IncomingRequest;
  [key: string]: unknown;
}

/** Options a caller of `handle()` or `buildEnviron()` may give; targets fill in what their platform knows. */
export interface GatewayOptions {
  /** Where the app is mounted, e.g. `/api`; requests outside it answer 404. Default `''`. */
  scriptName?: string;
  /**
   * The client's address as the platform reports it (never taken from a request header the client controls);
   * a function when reading it costs a call into the runtime (Deno's `info.remoteAddr`), called when the
   * environ gets its `REMOTE_ADDR`.
   */
  remoteAddr?: string | (() => string | undefined);
  /**
   * For a platform that writes the client's address into a request header itself, overwriting what
   * the client sent (Cloudflare's `cf-connecting-ip`): that header, in lower case, when `remoteAddr` is not given.
   */
  remoteAddrHeader?: string;
  /** The request target exactly as received, when the platform has it; default: the URL's path and query as written. */
  rawUri?: string;
  /**
   * The request's own HTTP version (`HTTP/1.0`, `HTTP/2`), when the platform reports it. Default `HTTP/1.1`.
   * A platform that can only read it at a cost gives `SERVER_PROTOCOL` as a getter in `environ` instead.
   */
  serverProtocol?: string;
  /**
   * For targets where reading request headers crosses into the runtime (`deno serve`, workerd): the
   * environ reads them only when something asks for a header key or lists the keys, and looks the same
   * either way (src/core/lazy-environ.ts). Where headers are plain JavaScript already (Node's
   * `rawHeaders`, a Lambda event) building the environ at once costs less.
   */
  lazyHeaders?: boolean;
  /**
   * For targets, with `lazyHeaders`: the platform's own HTTP parser already refuses a malformed or repeated `Content-Length`
   * and a second `Host` line, and the request URL's authority is the request's `Host` (`deno serve`). A
   * request without a body then reaches the app without any of its headers read, unless the app reads one.
   */
  framingChecked?: boolean;
  /** Extra environ keys, merged in last (PEP 3333 "Application Configuration"); getters stay getters. */
  environ?: Record<string, unknown>;
  /**
   * For targets: the platform's own environ keys for this request (`deno.info`, `aws_lambda.event`,
   * `cloudflare.env`...), added before `environ`'s. Plain values: one that costs something to read is
   * given as a `DeferredValue` (src/core/deferred-value.ts), read the first time something asks for its
   * key. The caller's `environ` then reaches the environ as given, rather than copied into the platform's
   * object by value, which ran its getters for every request.
   */
  platformEnviron?: Readonly<Record<string, unknown>>;
  /** The `wsgi.errors` sink: a stream, or a function given each complete line. Default: `console.error`. */
  errors?: ErrorStream | ((line: string) => void);
  /** The largest request body the app may read, in bytes; larger answers 413. Default 32 MiB. */
  maxBodyBytes?: number;
  /**
   * Proxies to believe `X-Forwarded-For/-Proto/-Host` from: how many stand in front of the app, or their
   * addresses, counted from `remoteAddr`. Off by default, since a client can send those headers itself.
   */
  trustProxy?: number | readonly string[];
  /**
   * For transports that deliver a response only once it is complete (Lambda's BUFFERED mode): read the
   * body ahead of the client up to this many bytes, so one that ends by then is answered as bytes with
   * a Content-Length instead of a stream. Default 0: the body is pulled only as the client reads.
   */
  bufferBodyUpTo?: number;
  /**
   * For targets whose runtime sends the length of a complete body (bytes or a string) by itself and
   * whose `toResponse` leaves the header out (`deno serve`, workerd): a body the gateway holds whole then
   * gets no `Content-Length` counted for it (the app's own is still checked against the body).
   */
  platformCountsLength?: boolean;
}

/**
 * The options a target fills in from its platform (the peer, the raw URI, the protocol, how its runtime
 * reads headers and frames bodies), left out of the options its users give.
 */
export type PlatformSuppliedOption =
  'remoteAddr' | 'remoteAddrHeader' | 'rawUri' | 'serverProtocol' | 'framingChecked' | 'lazyHeaders' | 'platformCountsLength' | 'platformEnviron';
