/**
 * The few Workers runtime types the Cloudflare target names, written out structurally so the published
 * `.d.ts` files need neither `@cloudflare/workers-types` nor its global declarations. `Request` and
 * `Response` are the global Fetch types: in a Worker project that loads `@cloudflare/workers-types`
 * they are the Workers ones, and `handle(app)` then `satisfies ExportedHandler<Env>` (checked by
 * test/cloudflare/typings.test.ts against the official package).
 * @module
 */

/** `ExecutionContext`: what the target uses of the third `fetch` argument. */
export interface ExecutionContext {
  /** Keeps the Worker alive until `promise` settles, after the response has been sent. */
  waitUntil(promise: Promise<unknown>): void;
  /** On an uncaught exception, forwards the request to the origin instead of failing. */
  passThroughOnException(): void;
}

/** `request.cf`: Cloudflare's per-request metadata (colo, country, TLS, bot score, ...). */
export type IncomingRequestCf = Record<string, unknown>;

/** An incoming Workers request: a Fetch `Request` with Cloudflare's `cf` (absent in some local tests). */
export type WorkerRequest = Request & { readonly cf?: IncomingRequestCf | undefined };

/** The module Worker's default export (`ExportedHandler`), reduced to the `fetch` the target provides. */
export interface WorkerHandler<Env = unknown> {
  /** A `Response` at once when the app needed no waiting, else a promise of one. */
  fetch(request: WorkerRequest, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}
