/**
 * `npm run start:deno:python`'s entry (app/deno-python.ts) under a real `deno serve`: the seed's Python app
 * answers every seed case with the bytes CPython's own app gives.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import { denoServe, type DenoServer } from './deno.ts';

describe('the seed\'s Python app under deno serve (npm run start:deno:python)', () => {
  let server: DenoServer;
  beforeAll(async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start:deno:python']).toContain('deno serve --allow-read ');
    expect(pkg.scripts['start:deno:python']).toMatch(/ app\/deno-python\.ts$/);
    server = await denoServe('app/deno-python.ts', ['--allow-read']);
  });
  afterAll(() => server?.stop());

  it('answers as CPython does, byte for byte', async () => {
    await expectAnswersAsCPython(`${server.url}/`);
  });
});
