/**
 * A Python WSGI app in workerd: app/cloudflare-python (Pyodide inside the Worker, app/wsgi_app.py)
 * bundled by `wrangler deploy --dry-run` with each supported Pyodide and run in miniflare. Pyodide starts on the first request, not
 * when the Worker starts; the figures printed are what that costs here (not asserted).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { buildPythonWorker } from './python-workerd.ts';
import { startWorker, type RunningWorker } from './workerd.ts';

const STARTED = 'wsgi-edge: Python app wsgi_app:simple_app loaded in';
const ENCODE = '/encode?mystring=%3Cb%3E%C3%A9';
const ENCODED = '<tt>&#x27;&lt;b&gt;é&#x27;</tt> base64 encoded is: <tt>PGI+w6k=</tt>';
const IDENTITY = { headers: { 'Accept-Encoding': 'identity' } };

async function timed(url: URL): Promise<{ response: Response; body: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, IDENTITY);
  const body = await response.text();
  return { response, body, ms: performance.now() - started };
}

const count = (text: string, part: string): number => text.split(part).length - 1;

describe.each(PYODIDE_VERSIONS)('a Python WSGI app in workerd (app/cloudflare-python, Pyodide $name)', (pyodide) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    const bundle = await buildPythonWorker({ pyodide });
    // The bundle carries this version's wasm, as a project with it installed would get.
    const wasm = bundle.modules.find(({ name }) => name.endsWith('-pyodide.asm.wasm'));
    expect(wasm !== undefined && Buffer.from(wasm.contents).equals(readFileSync(join(pyodide.folder, 'pyodide.asm.wasm')))).toBe(true);
    worker = await startWorker(bundle);
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('starts Python inside the first request, then answers from it without starting again', async () => {
    expect(worker.output()).not.toContain(STARTED);

    const first = await timed(new URL(ENCODE, worker.url));
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(first.body).toContain(ENCODED);
    for (let i = 0; i < 100 && !worker.output().includes(STARTED); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count(worker.output(), STARTED)).toBe(1);

    const later: number[] = [];
    for (let i = 0; i < 20; i++) {
      const next = await timed(new URL(ENCODE, worker.url));
      expect([next.response.status, next.body.includes(ENCODED)]).toEqual([200, true]);
      later.push(next.ms);
    }
    const notFound = await timed(new URL('/nowhere', worker.url));
    expect([notFound.response.status, notFound.body]).toEqual([404, 'That URL is not valid']);
    const form = await timed(new URL('/?x=1', worker.url));
    expect([form.response.status, form.body]).toEqual([400, 'Error: the front page is not a form']);
    expect(count(worker.output(), STARTED)).toBe(1);

    later.sort((a, b) => a - b);
    console.log(`Python in workerd (Pyodide ${pyodide.version}): first request ${first.ms.toFixed(0)} ms (Pyodide start-up); later requests median ${later[10]!.toFixed(1)} ms`);
  }, 120_000);
});
