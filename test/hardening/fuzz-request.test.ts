/**
 * Generated requests through handle() to an environ-echo app wrapped in validator(): random methods,
 * paths of arbitrary percent-encoded bytes, queries, header sets (underscores, latin-1 bytes, repeats,
 * large values), bodies with and without Content-Length. handle() must always resolve, the environ must
 * pass validator(), PATH_INFO must be the path's bytes, and no HTTP_* key may come from a name with `_`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handle, nativeToBytes, type WsgiApp } from '../../src/index.ts';
import { validator } from '../../src/wsgiref/validate.ts';

const hex = (byte: number) => '%' + byte.toString(16).toUpperCase().padStart(2, '0');
// Segments of any bytes, percent-encoded; never "." or ".." (also as %2E), which the WHATWG URL parser
// folds away before the gateway sees the path (RAW_URI keeps them where the platform gives the raw target).
const isDotSegment = (bytes: number[]) => bytes.length <= 2 && bytes.every((b) => b === 0x2e);
const segment = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bytes) => [...bytes]).filter((bytes) => !isDotSegment(bytes));
const pathBytes = fc.array(segment, { maxLength: 4 });
const tokenChar = fc.constantFrom(...'abcXYZ019-_!#$%&\'*+.^`|~'.split(''));
const headerName = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constant('x'.repeat(2000)),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'),
  path: pathBytes,
  query: fc.string({ unit: fc.constantFrom('a', '=', '&', '%41', '+', '%FF', '/', '?'), maxLength: 12 }),
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
  body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  chunked: fc.boolean(),
});

const echo: WsgiApp = async (environ, startResponse) => {
  const body = await environ['wsgi.input'].read();
  const cgi = Object.fromEntries(Object.entries(environ).filter(([key]) => !key.includes('.')));
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify({ cgi, bodyLength: body.length })];
};

describe('generated requests through handle()', () => {
  it('always answer, with an environ validator() accepts and PATH_INFO holding the path bytes (fast-check; seed printed on failure)', async () => {
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const warnings: string[] = [];
      const log: string[] = [];
      const target = '/' + r.path.map((seg) => seg.map(hex).join('')).join('/') + (r.query ? `?${r.query}` : '');
      const headers = new Headers();
      for (const [name, value] of r.headers) headers.append(name, value);
      const hasBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
      let body: BodyInit | null = null;
      if (hasBody) {
        const bytes = r.body!;
        body = r.chunked
          ? new ReadableStream<Uint8Array>({ start(c) { c.enqueue(bytes); c.close(); } })
          : bytes;
      }
      const req = new Request(`http://fuzz.test${target}`, { method: r.method, headers, body, duplex: 'half' } as RequestInit);
      const response = await handle(validator(echo, { onWarning: (w) => warnings.push(w) }), req, { errors: (line) => log.push(line) });

      expect(response).toBeInstanceOf(Response);
      expect(log).toEqual([]);
      expect(response.status).toBe(200);
      if (r.method === 'HEAD') return;
      const { cgi, bodyLength } = await response.json() as { cgi: Record<string, string>; bodyLength: number };
      expect([...nativeToBytes(cgi.PATH_INFO!)]).toEqual([...new TextEncoder().encode('/'), ...r.path.flatMap((seg, i) => (i ? [0x2f, ...seg] : seg))]);
      // A key may exist for a name with "_" only when a name without one maps to it too ("-" and "_").
      const keyOf = (name: string) => 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
      const honest = new Set(r.headers.map(([name]) => name).filter((name) => !name.includes('_')).map(keyOf));
      for (const [name] of r.headers) {
        // As an array: a string argument would be a path, and a name such as "_." its own key's parent.
        if (name.includes('_') && !honest.has(keyOf(name))) expect(cgi).not.toHaveProperty([keyOf(name)]);
      }
      expect(bodyLength).toBe(hasBody ? r.body!.length : 0);
      for (const value of Object.values(cgi)) expect(value).toMatch(/^[\x00-\xff]*$/);
    }), { numRuns: 600 });
  });
});
