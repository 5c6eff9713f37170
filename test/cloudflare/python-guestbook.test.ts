/**
 * The sqlite3 guestbook (app/guestbook.py) in workerd with Pyodide 314 bundled: answers as under CPython's
 * wsgiref, its database in memory (the Worker's files live in Pyodide's memory file system).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGuestbookAsCPython } from '../app/guestbook-cases.ts';
import { PYODIDE_314 } from '../helpers/pyodide-versions.ts';
import { startPythonWorker } from './python-workerd.ts';
import type { RunningWorker } from './workerd.ts';

describe('the sqlite3 guestbook in workerd, Pyodide 314', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startPythonWorker({ entry: 'test/cloudflare/python-guestbook-worker.ts', pyodide: PYODIDE_314 });
  });
  afterAll(async () => {
    await worker?.miniflare.dispose();
  });

  it('answers as CPython does, in an in-memory database', { timeout: 90_000 }, async () => {
    expect(await expectGuestbookAsCPython(worker.url.href)).toBe('memory');
  });
});
