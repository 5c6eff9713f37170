/**
 * The conformance suite against the Python fixtures (test/conformance/conformance_app.py) inside workerd:
 * test/cloudflare/python-conformance-worker.ts bundled by `wrangler deploy --dry-run` with
 * app/cloudflare-python/wrangler.toml's rules, Pyodide started inside the Worker, run in miniflare.
 * The platform facts are workerd's (as test/cloudflare/conformance.test.ts declares them) and a Python app's.
 * Under each supported Pyodide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceSuite } from '../conformance/cases.ts';
import { RUNTIME_REQUEST_FACTS } from '../conformance/request-cases.ts';
import { PYTHON_PLATFORM, pythonBridgeChecks } from '../python/python-conformance.ts';
import { PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';
import { startPythonWorker } from './python-workerd.ts';
import { workerdWire, type RunningWorker } from './workerd.ts';

describe.each(PYODIDE_VERSIONS)('conformance: Python app in workerd (Pyodide $name inside the Worker)', (version) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startPythonWorker({ entry: 'test/cloudflare/python-conformance-worker.ts', pyodide: version });
    // Pyodide starts on the first request: paid here, so no case carries it.
    const warm = await fetch(new URL('/hello', worker.url));
    await warm.arrayBuffer();
    if (warm.status !== 200) throw new Error(`the Python Worker answered ${warm.status} to its first request:\n${worker.output()}`);
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  const target = {
    name: `python on workerd, Pyodide ${version.name}`,
    baseUrl: () => worker.url.href,
    // Miniflare stands in for Cloudflare's edge and sets CF-Connecting-IP to the client's address.
    remoteAddr: '127.0.0.1',
    environ: {
      'cloudflare.env': { type: 'object' },
      'cloudflare.ctx.waitUntil': { type: 'function' },
      'cloudflare.ctx.passThroughOnException': { type: 'function' },
      'cloudflare.cf.colo': { type: 'string', value: 'TST' },
      'cloudflare.env.GREETING': { type: 'string', value: 'hello from a binding' },
    },
    platform: {
      ...PYTHON_PLATFORM,
      // workerd decodes header bytes as UTF-8 (U+FFFD for the lone 0xE9), not as latin-1.
      headerLatin1: 'caf\u00ef\u00bf\u00bd',
      // workerd ends an errored body with the normal chunked end.
      failedBody: 'ended',
      // workerd alone would never tell the app; the target's pipe through a native stream does.
      disconnect: 'closes',
      request: RUNTIME_REQUEST_FACTS.workerd,
    },
    wire: workerdWire(() => worker),
  } as const;
  conformanceSuite(target);
  pythonBridgeChecks(target);

  it("sends the app's traceback to wsgi.errors, on console.error, which workerd logs", async () => {
    const response = await fetch(new URL('/error-before', worker.url));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret-detail-do-not-leak');
    for (let i = 0; i < 100 && !worker.output().includes('secret-detail-do-not-leak'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(worker.output()).toMatch(/Error in WSGI app for GET \/error-before:\nTraceback \(most recent call last\):[\s\S]*RuntimeError: secret-detail-do-not-leak/);
  });
});
