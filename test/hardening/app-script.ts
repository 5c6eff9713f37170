/**
 * Generated apps, the runtime-neutral part: the script type (startResponse / write / yield / throw /
 * delay steps, run in the app call or inside a sync or async body, with a `close()` that may throw),
 * the interpreter that turns a script into a `WsgiApp` recording what it did, what the gateway must
 * therefore have seen as a failure, and a text form of a script for sending one over the wire
 * (base64url JSON, bytes as hex). Imported by fuzz-app.test.ts (through `handle()`) and by the fixture
 * every target serves (test/hardening/script-fixture.ts), so it imports only types from the library and
 * uses nothing Node-, Deno- or workerd-specific. The fast-check arbitraries are in app-script-arbitraries.ts.
 * @module
 */

import type { Chunk, HeaderPair, StartResponse, WsgiApp } from '../../src/index.ts';

export type Step =
  | { kind: 'start'; status: string; headers: HeaderPair[]; withExcInfo: boolean }
  | { kind: 'write'; chunk: Chunk }
  | { kind: 'yield'; chunk: Chunk }
  | { kind: 'throw' }
  | { kind: 'delay' };

export interface Script {
  /** Steps run in the app call itself, before it returns the iterable. */
  before: Step[];
  /** Steps run inside the body iterable. */
  inside: Step[];
  asyncBody: boolean;
  closeThrows: boolean;
}

/** What a scripted app did, as far as it could tell from its own side. */
export interface ScriptRecord {
  /** How many times its body's `close()` ran. */
  closes: number;
  /** Every chunk it handed over (`write()` or `yield`), in order. */
  emitted: Uint8Array[];
  /** A step of its own threw: a `throw` step, or a `startResponse` call the gateway refused. */
  failed: boolean;
  /** The app call returned its iterable (there is something to close). */
  returned: boolean;
  /** The codes of the `startResponse` calls the gateway accepted, in order. */
  statuses: number[];
}

const encoder = new TextEncoder();
export const bytesOf = (c: Chunk): Uint8Array => (typeof c === 'string' ? encoder.encode(c) : c);

/** Runs a script as an app, recording what it emitted and whether anything went wrong on its side. */
export function scriptedApp(s: Script): { app: WsgiApp; record: ScriptRecord } {
  const record: ScriptRecord = { closes: 0, emitted: [], failed: false, returned: false, statuses: [] };
  const fail = new Error('scripted failure');
  const run = (step: Step, startResponse: StartResponse, write: { fn?: (c: Chunk) => void }): Chunk | undefined => {
    switch (step.kind) {
      case 'start':
        try {
          write.fn = startResponse(step.status, step.headers, step.withExcInfo ? fail : undefined);
          record.statuses.push(Number(step.status.slice(0, 3)));
        } catch (error) {
          record.failed = true;
          throw error;
        }
        return undefined;
      case 'write':
        if (!write.fn) return undefined;
        write.fn(step.chunk);
        record.emitted.push(bytesOf(step.chunk));
        return undefined;
      case 'yield':
        return step.chunk;
      case 'throw':
        record.failed = true;
        throw fail;
      case 'delay':
        return undefined;
    }
  };
  const app: WsgiApp = (_environ, startResponse) => {
    const write: { fn?: (c: Chunk) => void } = {};
    for (const step of s.before) run(step, startResponse, write);
    const close = () => {
      record.closes++;
      if (s.closeThrows) throw new Error('close failed');
    };
    record.returned = true;
    if (s.asyncBody) {
      return Object.assign((async function* () {
        for (const step of s.inside) {
          if (step.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, 1));
          const out = run(step, startResponse, write);
          if (out !== undefined) { record.emitted.push(bytesOf(out)); yield out; }
        }
      })(), { close });
    }
    return Object.assign((function* () {
      for (const step of s.inside) {
        const out = run(step, startResponse, write);
        if (out !== undefined) { record.emitted.push(bytesOf(out)); yield out; }
      }
    })(), { close });
  };
  return { app, record };
}

/** Whether the gateway must see the script as failing on its own: body data before any startResponse. */
export function dataBeforeStart(s: Script): boolean {
  let started = false;
  for (const step of [...s.before, ...s.inside]) {
    if (step.kind === 'start') started = true;
    // A script's write() before any startResponse has no write callable, so it emits nothing.
    if (step.kind === 'yield' && bytesOf(step.chunk).length > 0 && !started) return true;
    if (step.kind === 'throw') return false;
  }
  return !started;
}

/** Whether anything about this run must have reached `wsgi.errors`. */
export function mustLog(s: Script, record: Pick<ScriptRecord, 'failed'>): boolean {
  return record.failed || dataBeforeStart(s) || s.closeThrows;
}

// The wire form: JSON with each byte chunk as {"hex": "..."}, then base64url of its UTF-8.

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`Not hex: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function encodeScript(s: Script): string {
  const json = JSON.stringify(s, (_key, value: unknown) => (value instanceof Uint8Array ? { hex: toHex(value) } : value));
  let binary = '';
  for (const byte of encoder.encode(json)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeScript(text: string): Script {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes), (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const hex = (value as { hex?: unknown }).hex;
      if (keys.length === 1 && typeof hex === 'string') return fromHex(hex);
    }
    return value;
  }) as Script;
}
