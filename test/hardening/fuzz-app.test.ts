/**
 * Generated apps: a script of startResponse / write / yield / throw / delay steps, run sync or async,
 * before or inside the body iterable, with a close() that may throw (test/hardening/app-script.ts).
 * Whatever the script does, the gateway must call close() exactly once, answer with the app's status or
 * 500, keep CR/LF out of headers, deliver exactly the chunks emitted when nothing failed, and log every
 * failure. The same property over the wire on every target: fuzz-app-*.test.ts.
 * Replay a printed failure with FC_SEED / FC_PATH (app-script-arbitraries.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handle } from '../../src/index.ts';
import { EXAMPLES, method, runParameters, script } from './app-script-arbitraries.ts';
import { decodeScript, encodeScript, mustLog, scriptedApp, type Script } from './app-script.ts';

async function drain(response: Response): Promise<{ body: Uint8Array; aborted: boolean }> {
  const chunks: Uint8Array[] = [];
  if (!response.body) return { body: new Uint8Array(0), aborted: false };
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    return { body: Buffer.concat(chunks), aborted: true };
  }
  return { body: Buffer.concat(chunks), aborted: false };
}

describe('the wire form of a script (how the targets\' fixtures receive one)', () => {
  it('decodes to the same script, byte chunks and non-ASCII text included', () => {
    fc.assert(fc.property(script, (s) => {
      const encoded = encodeScript(s);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeScript(encoded)).toEqual(s);
    }), runParameters(300));
  });
});

describe('generated apps through handle()', () => {
  it('keep every gateway invariant (fast-check; the seed is printed on failure)', async () => {
    await fc.assert(fc.asyncProperty(script, method, async (s, method) => {
      const { app, record } = scriptedApp(s);
      const log: string[] = [];
      const response = await handle(app, new Request('http://example.test/', { method }), { errors: (line) => log.push(line) });
      const { body, aborted } = await drain(response);
      await new Promise((resolve) => setTimeout(resolve, 0));

      // An app that threw before returning has no iterable to close; any iterable is closed exactly once.
      expect(record.closes).toBe(record.returned ? 1 : 0);
      expect([...record.statuses, 500]).toContain(response.status);
      for (const [, value] of response.headers) expect(value).not.toMatch(/[\r\n]/);

      const failed = mustLog(s, record);
      if (failed) expect(log.length).toBeGreaterThan(0);
      if (!failed) {
        expect(aborted).toBe(false);
        expect(response.status).toBe(record.statuses.at(-1));
        const noBody = method === 'HEAD' || [204, 205, 304].includes(response.status);
        expect(Buffer.from(body).toString('hex')).toBe(noBody ? '' : Buffer.concat(record.emitted).toString('hex'));
        expect(log).toEqual([]);
      }
    }), { ...runParameters<[Script, string]>(1000), examples: EXAMPLES });
  });
});
