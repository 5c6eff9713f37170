/**
 * The fixture every target serves for the generated-app properties (fuzz-app-*.test.ts):
 *
 * - `/run?id=<id>&s=<script>`: runs the script (app-script.ts, wire form) as the app, recording under `id`
 *   how often `close()` ran, what it emitted, whether a step of its own failed, and the statuses the
 *   gateway accepted;
 * - `/state?id=<id>`: that record as JSON, with the `wsgi.errors` lines the gateway wrote meanwhile.
 *
 * `recordError` is the `errors` option to give the target (or the sink of the logger wrapping it), so
 * the lines reach the record. Requests are sent one at a time, so each line belongs to the run started
 * last. Served inside workerd and Deno as well as Node: imports only app-script.ts and types.
 * @module
 */

import type { WsgiApp } from '../../src/index.ts';
import { decodeScript, scriptedApp, toHex, type ScriptRecord } from './app-script.ts';

/** A run as `/state` reports it. */
export interface RunState {
  closes: number;
  /** The emitted chunks, concatenated, as hex. */
  emitted: string;
  failed: boolean;
  returned: boolean;
  statuses: number[];
  /** `wsgi.errors` lines written since the run began. */
  log: string[];
}

const runs = new Map<string, { record: ScriptRecord; log: string[] }>();
let current: { log: string[] } | undefined;
/** Lines that arrived with no run going (none should). */
const stray: string[] = [];

/** The `errors` sink: one `wsgi.errors` line, filed under the run started last. */
export function recordError(line: string): void {
  (current?.log ?? stray).push(line);
}

function json(startResponse: Parameters<WsgiApp>[1], value: unknown): string[] {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(value)];
}

export const scriptFixture: WsgiApp = (environ, startResponse) => {
  const query = new URLSearchParams(environ.QUERY_STRING);
  const id = query.get('id') ?? '';
  switch (environ.PATH_INFO) {
    case '/run': {
      const { app, record } = scriptedApp(decodeScript(query.get('s') ?? ''));
      const run = { record, log: [] as string[] };
      runs.set(id, run);
      current = run;
      return app(environ, startResponse);
    }
    case '/state': {
      const run = runs.get(id);
      if (run === undefined) return json(startResponse, { error: `no run ${JSON.stringify(id)}`, stray });
      const { record, log } = run;
      const emitted = new Uint8Array(record.emitted.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const chunk of record.emitted) { emitted.set(chunk, at); at += chunk.length; }
      const state: RunState = { ...record, emitted: toHex(emitted), log: [...log] };
      return json(startResponse, state);
    }
    default:
      startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
      return [`no route ${JSON.stringify(environ.PATH_INFO)}`];
  }
};
