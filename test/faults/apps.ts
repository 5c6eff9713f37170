/**
 * The fault suite's fixture app (test/faults): apps that record, per id the test picks, how far their
 * generator got, whether the request body read failed, and how many times `close()` ran, so the test
 * can see those facts through a control endpoint instead of by timing. Served by every runtime the suite
 * boots (the Node simple server in-process, and the Deno and workerd entries next to this file), so it
 * imports only types and `validator` from the library, as test/conformance/apps.ts does.
 * @module
 */

import type { Environ, StartResponse, WsgiApp } from '../../src/index.ts';
import { validator } from '../../src/wsgiref/validate.ts';

interface FaultState {
  /** Chunks the `/slow` generator has yielded so far. */
  produced: number;
  /** How many times `close()` ran. */
  closes: number;
  /** What reading the request body came to in `/upload`: bytes read, and the error if the read failed. */
  upload: { state: 'reading' | 'done' | 'error'; length: number; error?: string } | null;
}

const states = new Map<string, FaultState>();

function state(id: string): FaultState {
  let found = states.get(id);
  if (found === undefined) {
    found = { produced: 0, closes: 0, upload: null };
    states.set(id, found);
  }
  return found;
}

const idOf = (environ: Environ) => new URLSearchParams(environ.QUERY_STRING).get('id') ?? '';

function tracked<T extends object>(id: string, body: T): T & { close(): void } {
  return Object.assign(body, { close: () => { state(id).closes++; } });
}

/** Size of a `/slow` chunk. */
export const SLOW_CHUNK = 64 * 1024;

/**
 * `/slow?id=&chunks=`: `chunks` (at most 4096) chunks of 64 KiB from a plain generator, counting each.
 * A gateway that respects backpressure leaves the generator parked at a `yield` while the client does not
 * read; one that does not would run it to the end and hold the whole body in memory.
 */
const slow: WsgiApp = (environ, startResponse) => {
  const id = idOf(environ);
  const chunks = Math.min(Number(new URLSearchParams(environ.QUERY_STRING).get('chunks') ?? 16), 4096);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return tracked(id, (function* () {
    for (let i = 0; i < chunks; i++) {
      state(id).produced++;
      yield new Uint8Array(SLOW_CHUNK).fill(i & 0xff);
    }
  })());
};

/**
 * `/upload?id=`: headers first, then the generator reads the whole body in 64 KiB pieces and reports its
 * length. A body cut short makes the read fail inside the generator, after headers: the gateway must
 * still call `close()`.
 */
const upload: WsgiApp = (environ, startResponse) => {
  const id = idOf(environ);
  const input = environ['wsgi.input'];
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return tracked(id, (async function* () {
    const record: NonNullable<FaultState['upload']> = { state: 'reading', length: 0 };
    state(id).upload = record;
    try {
      for (let i = 0; i < 100_000; i++) {
        const piece = await input.read(65536);
        if (piece.length === 0) break;
        record.length += piece.length;
      }
      record.state = 'done';
    } catch (error) {
      record.state = 'error';
      record.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
    yield `read ${record.length}`;
  })());
};

/** `/error-before`: throws before any headers. */
const errorBefore: WsgiApp = () => {
  throw new Error('fault-before-headers');
};

/** `/error-after?id=`: throws from the body after a first chunk. */
const errorAfter: WsgiApp = (environ, startResponse) => {
  const id = idOf(environ);
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return tracked(id, (function* () {
    yield 'partial';
    throw new Error('fault-after-headers');
  })());
};

/** `/state?id=`: the recorded state for `id`. */
const report: WsgiApp = (environ, startResponse: StartResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(state(idOf(environ)))];
};

const hello: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

const routes: Readonly<Record<string, WsgiApp>> = Object.fromEntries(
  Object.entries({ slow, upload, 'error-before': errorBefore, 'error-after': errorAfter, state: report, hello })
    .map(([name, app]) => [name, validator(app)]),
);

/** Routes by the first path segment; 404 for anything else. */
export const faultApp: WsgiApp = (environ, startResponse) => {
  const name = environ.PATH_INFO.split('/')[1] ?? '';
  const app = Object.hasOwn(routes, name) ? routes[name] : undefined;
  if (app === undefined) {
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return [`no fault fixture ${JSON.stringify(name)}`];
  }
  return app(environ, startResponse);
};
