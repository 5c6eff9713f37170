/** Runs an app through the core `handle()` in-process and collects what a client and the log would see. */
import { handle, type GatewayOptions, type WsgiApp } from '../../src/index.ts';

export interface Called {
  response: Response;
  /** Lines written to wsgi.errors. */
  log: string[];
}

export async function call(
  app: WsgiApp,
  target = '/',
  init: RequestInit = {},
  options: GatewayOptions = {},
): Promise<Called> {
  const log: string[] = [];
  const request = new Request(new URL(target, 'http://example.test'), init);
  const response = await handle(app, request, { errors: (line) => log.push(line), ...options });
  return { response, log };
}

export async function callText(
  app: WsgiApp,
  target = '/',
  init: RequestInit = {},
  options: GatewayOptions = {},
): Promise<Called & { text: string }> {
  const called = await call(app, target, init, options);
  return { ...called, text: await called.response.text() };
}

/** A close() counter to attach to any body. */
export function closeTracker(): { count: number; attach<T extends object>(body: T): T & { close(): void } } {
  const tracker = {
    count: 0,
    attach<T extends object>(body: T): T & { close(): void } {
      return Object.assign(body, { close: () => { tracker.count++; } });
    },
  };
  return tracker;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
