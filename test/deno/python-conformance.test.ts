/**
 * The conformance suite against the Python fixtures (test/conformance/conformance_app.py) in a real
 * `deno serve` process running test/deno/python-server.ts: Pyodide inside Deno, the fixture folder
 * mounted through NODEFS; it needs only `--allow-read` (Pyodide's files, the fixture folder). Under each
 * supported Pyodide: for 314 the server module runs from that version's consumer folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { RUNTIME_REQUEST_FACTS, socketWire } from '../conformance/request-cases.ts';
import { PYTHON_PLATFORM, pythonBridgeChecks } from '../python/python-conformance.ts';
import { PYODIDE_VERSIONS, placeEntry } from '../helpers/pyodide-versions.ts';
import { denoServe, type DenoServer } from './deno.ts';

describe.each(PYODIDE_VERSIONS)('conformance: Python app under deno serve, Pyodide $name', (version) => {
  let server: DenoServer;
  beforeAll(async () => {
    server = await denoServe(placeEntry(version, 'test/deno/python-server.ts'), ['--allow-read']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const target = {
    name: `python on deno, Pyodide ${version.name}`,
    baseUrl: () => server.url,
    remoteAddr: '127.0.0.1',
    environ: {
      'deno.info.remoteAddr.hostname': { type: 'string', value: '127.0.0.1' },
      'deno.info.remoteAddr.transport': { type: 'string', value: 'tcp' },
      'deno.info.completed': { type: 'object' },
    },
    wire: socketWire(() => server.url),
    platform: { ...PYTHON_PLATFORM, request: RUNTIME_REQUEST_FACTS.deno },
  };
  conformanceSuite(target);
  pythonBridgeChecks(target);

  it("sends the app's traceback to wsgi.errors, on the process stderr", async () => {
    const response = await fetch(new URL('/error-before', server.url));
    expect(response.status).toBe(500);
    for (let i = 0; i < 100 && !server.output().includes('secret-detail-do-not-leak'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.output()).toMatch(/Error in WSGI app for GET \/error-before:\nTraceback \(most recent call last\):[\s\S]*RuntimeError: secret-detail-do-not-leak/);
  });
});
