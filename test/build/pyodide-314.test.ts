/**
 * `wsgi-edge build` with Pyodide 314 installed beside wsgi-edge (the consumer folder the global setup
 * makes: a copy of the package beside pyodide@314): the artifact carries that Pyodide and its snapshot,
 * the seed's Python app answers every seed case as CPython's own app does, from a Lambda zip under the
 * runtime client and from a deno folder under the deno serve line the build printed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { askPython, expectAnswersAsCPython, seedOracleCases, targetPath } from '../app/seed-cases.ts';
import type { ServerProcess } from '../deno/deno.ts';
import { PYODIDE_314 } from '../helpers/pyodide-versions.ts';
import { requestToEvent, resultToResponse } from '../lambda/function-url.ts';
import { closeAll, startFunction, type LambdaFunction } from '../lambda/runtime-api.ts';
import { buildDenoArtifact, buildLambdaArtifact, servePrinted, type DenoArtifact, type LambdaArtifact } from './artifacts.ts';

const SEED = 'app/wsgi_app.py:simple_app';
let zip: LambdaArtifact;
let site: DenoArtifact;
let fn: LambdaFunction;
let deno: ServerProcess;

beforeAll(async () => {
  [zip, site] = await Promise.all([buildLambdaArtifact(SEED, [], { cli: PYODIDE_314.cli }), buildDenoArtifact(SEED, [], { cli: PYODIDE_314.cli })]);
  [fn, deno] = await Promise.all([startFunction({ taskRoot: zip.dir, handler: 'index.handler' }), servePrinted(site)]);
}, 240_000);
afterAll(async () => {
  await Promise.all([closeAll(), deno?.stop()]);
  zip?.remove();
  site?.remove();
});

describe.each(['lambda', 'deno'] as const)('%s, built with Pyodide 314', (target) => {
  test('carries Pyodide 314 (its ES-module glue) and a snapshot made by it', () => {
    const root = target === 'lambda' ? zip.dir : site.dir;
    expect(JSON.parse(readFileSync(path.join(root, 'wsgi-edge.json'), 'utf8'))).toMatchObject({ pyodide: PYODIDE_314.version, snapshot: 'app.snapshot' });
    expect(JSON.parse(readFileSync(path.join(root, 'pyodide', 'package.json'), 'utf8'))).toMatchObject({ version: PYODIDE_314.version });
    expect(readFileSync(path.join(root, 'app.snapshot')).subarray(0, 200).toString()).toContain(`"pyodide":"${PYODIDE_314.version}"`);
  });
});

test('the Lambda zip answers every seed case as CPython does, from its snapshot', async () => {
  const cases = seedOracleCases();
  const expected = askPython(cases);
  for (const [i, request] of cases.entries()) {
    const event = { ...(await requestToEvent(new Request('https://fn-id.lambda-url.us-east-1.on.aws/', { method: request.method }))), rawPath: targetPath(request.path), rawQueryString: request.query };
    const answer = resultToResponse(await fn.invoke(event));
    const body = Buffer.from(await answer.arrayBuffer()).toString('base64');
    expect({ request, status: answer.status, body }).toEqual({
      request,
      status: Number(expected[i]!.status.split(' ')[0]),
      body: request.method === 'HEAD' ? '' : expected[i]!.body,
    });
  }
  await fn.waitForLog(/loaded from its snapshot in \d+ ms/);
}, 120_000);

test('the deno folder answers every seed case as CPython does, from its snapshot', async () => {
  await expectAnswersAsCPython(`${deno.url}/`);
  expect(deno.output()).toMatch(/loaded from its snapshot in \d+ ms/);
});
