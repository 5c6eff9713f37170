/**
 * What the conformance targets that serve the Python twin of the fixtures (test/conformance/conformance_app.py,
 * through wsgi-edge/python) share: how the app is loaded, the platform facts every Python app has, and the
 * checks only a Python app needs (every PyProxy the bridge made destroyed, nothing the validator could
 * only print). Each target's test file loads one Pyodide and calls `conformanceSuite` and `pythonBridgeChecks`.
 * @module
 */

import { expect, it } from 'vitest';
import { conformanceClient, uniqueId, type ConformanceTarget } from '../conformance/cases.ts';

/** `loadPythonApp` options for the fixture module; the folder is NODEFS-mounted at its own path. */
export const CONFORMANCE_APP = { app: 'conformance_app', path: ['test/conformance'] } as const;

/** The facts of cases.ts that hold for every Python app, whatever the target (see `ConformanceTarget.platform`). */
export const PYTHON_PLATFORM = {
  // The bridge hands the core a synchronous iterator; a Python generator can wait on nothing but the client.
  delivery: 'pulled',
  // The Python environ carries the platform's extras, not the JavaScript Request the bridge already read.
  gatewayRequest: 'withheld',
} as const satisfies ConformanceTarget['platform'];

/** Checks of the bridge's own bookkeeping, against the Python fixture's control endpoints. */
export function pythonBridgeChecks(target: ConformanceTarget): void {
  const { send, getJson, closedCount } = conformanceClient(target);
  const liveBodies = async () => (await getJson<{ bodies: number | null }>('/live-bodies')).bodies;

  it('destroys the PyProxy of every body: none alive after streamed, list, failing and cancelled responses', async () => {
    // A body the client is still reading is counted, so the count can see what it looks for.
    const id = uniqueId('live');
    const controller = new AbortController();
    const inFlight = await send(`/close?id=${id}&chunks=100000`, { signal: controller.signal, headers: { 'Accept-Encoding': 'identity' } });
    const reader = inFlight.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    expect(await liveBodies()).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    expect(await closedCount(id)).toBe(1);

    const requests: Array<[string, RequestInit?]> = [
      ['/hello'],
      ['/write'],
      [`/download?size=${1024 * 1024}`],
      [`/close?id=${uniqueId('live')}&chunks=3`],
      ['/echo', { method: 'POST', body: 'abc' }],
      ['/error-before'],
      [`/error-after?id=${uniqueId('live')}`],
      [`/exc-info-late?id=${uniqueId('live')}`],
      [`/status/204?id=${uniqueId('live')}`],
      [`/status/200?id=${uniqueId('live')}`, { method: 'HEAD' }],
    ];
    for (const [path, init] of requests) {
      const response = await send(path, init);
      await response.arrayBuffer().catch(() => undefined);
    }
    expect(await liveBodies()).toBe(0);
  });

  it("leaves the validator nothing it could only print: every iterator was closed before it was collected", async () => {
    expect(await getJson<{ slips: string[] }>('/validator-slips')).toEqual({ slips: [] });
  });
}
