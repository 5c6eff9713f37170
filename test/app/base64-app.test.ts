/**
 * The seed app's whole answer table, and a byte-for-byte comparison with the Python 3 port of the same
 * app run by python3 itself (test/app/oracle/wsgi_app.py) over fixed and generated inputs.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64App } from '../../app/base64-app.ts';
import { nativeToBytes } from '../../src/index.ts';
import { call, callText } from '../helpers/call.ts';
import { askPython, EDGE_CASES, SEED_ANSWERS, type OracleAnswer, type OracleCase } from './seed-cases.ts';

describe('the seed app answers', () => {
  it.each(SEED_ANSWERS)('%s %s → %i', async (method, target, status, type, body) => {
    const { response, text } = await callText(base64App, target, { method });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe(type);
    expect(text).toBe(body);
  });
});

/** Runs the same environ keys through the TypeScript port, by way of a request whose environ has them. */
async function askTypeScript({ method, path, query }: OracleCase): Promise<OracleAnswer> {
  const target = [...nativeToBytes(path)].map((b) => '%' + b.toString(16).padStart(2, '0')).join('') + (query ? `?${query}` : '');
  const { response } = await call(base64App, target.replace(/^%2f/, '/'), { method });
  const body = new Uint8Array(await response.arrayBuffer());
  return {
    status: `${response.status} ${response.statusText}`,
    headers: [['Content-Type', response.headers.get('content-type') ?? '']],
    body: Buffer.from(body).toString('base64'),
  };
}

describe('the seed app matches its Python 3 port byte for byte', () => {
  it('on fixed inputs', async () => {
    const expected = askPython(EDGE_CASES);
    const actual = await Promise.all(EDGE_CASES.map(askTypeScript));
    expect(actual).toEqual(expected.map((answer) => ({ ...answer, headers: answer.headers.slice(0, 1) })));
  });

  it('on generated query strings (fast-check, seed printed on failure)', async () => {
    const byteString = fc.uint8Array({ maxLength: 24 }).map((bytes) => [...bytes].map((b) => '%' + b.toString(16).padStart(2, '0')).join(''));
    // Characters assigned after python3's Unicode database (14.0 for 3.11) are printable to V8 but not to
    // that Python: a difference of Unicode versions, not of the port (noted in the README). Leave them out.
    const unassignedInPython = new Set(JSON.parse(execFileSync('python3', ['-c',
      'import json, unicodedata; print(json.dumps([c for c in range(0xd800) if unicodedata.category(chr(c)) == "Cn"]))',
    ]).toString()) as number[]);
    const bmpChar = fc.integer({ min: 0, max: 0xd7ff })
      .filter((code) => !unassignedInPython.has(code) || /\p{Cn}/u.test(String.fromCharCode(code)))
      .map((code) => String.fromCharCode(code));
    const text = fc.string({ unit: bmpChar, maxLength: 12 }).map((s) => encodeURIComponent(s));
    const queries = fc.sample(fc.oneof(byteString, text).map((value) => `mystring=${value}`), { numRuns: 300, seed: 20261123 });
    const cases = queries.map((query) => ({ method: 'GET', path: '/encode', query }));
    const expected = askPython(cases);
    for (let i = 0; i < cases.length; i++) {
      const actual = await askTypeScript(cases[i]!);
      expect({ query: cases[i]!.query, ...actual }).toEqual({ query: cases[i]!.query, ...expected[i], headers: expected[i]!.headers.slice(0, 1) });
    }
  });
});
