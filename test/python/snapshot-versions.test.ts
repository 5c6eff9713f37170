/**
 * Snapshots under each supported Pyodide, through the built command (`wsgi-edge snapshot`, then `serve
 * --snapshot`) as a user runs it: under 314 a snapshot larger than its 30 MiB initial heap restores
 * (Pyodide issue 6254, worked around in src/python/snapshot-heap.ts), and each Pyodide refuses the
 * other's snapshot, naming both versions, and a snapshot cut short (a mistake in what the command was
 * given: exit status 2).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSnapshot } from '../../src/python/snapshot.ts';
import { runCli, startCli } from '../helpers/cli.ts';
import { PYODIDE_314, PYODIDE_VERSIONS } from '../helpers/pyodide-versions.ts';

/** Holds ~40 MiB of Python objects at import, so the snapshot is past 314's initial heap. */
const LARGE_APP = `import random
HELD = [bytearray(1000) for _ in range(40000)]
TOKEN = random.random()

def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%d %r' % (len(HELD), TOKEN)).encode()]
`;

const MIB = 1024 * 1024;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsgi-edge-snapshot-versions-'));
  await writeFile(join(dir, 'large_app.py'), LARGE_APP);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(PYODIDE_VERSIONS)('wsgi-edge snapshot under Pyodide $name', (version) => {
  it('a snapshot past 30 MiB restores and serves the module state it holds', { timeout: 90_000 }, async () => {
    const file = join(dir, `large-${version.name}.snapshot`);
    const made = await runCli(['snapshot', join(dir, 'large_app.py'), '--out', file], 90_000, { cli: version.cli });
    expect(made.stderr).toBe('');
    expect(made.stdout).toContain(`Pyodide ${version.version}`);
    expect((await stat(file)).size).toBeGreaterThan(32 * MIB);
    const { header } = parseSnapshot(await readFile(file));
    expect(header.pyodide).toBe(version.version);
    expect(header.python).toMatch(new RegExp(`^${version.python.replace('.', '\\.')}\\.`));

    const server = await startCli([join(dir, 'large_app.py'), '--snapshot', file], {}, version.cli);
    try {
      const body = await (await fetch(server.url)).text();
      expect(body).toMatch(/^40000 0\.\d+$/);
    } finally {
      await server.stop();
    }
  });
});

describe('a snapshot of one Pyodide under the other', () => {
  it('0.27.7 refuses one made by 314, naming both versions and what to do', { timeout: 90_000 }, async () => {
    const file = join(dir, 'large-314.snapshot');
    const [older] = PYODIDE_VERSIONS;
    const refused = await runCli(['serve', join(dir, 'large_app.py'), '--snapshot', file, '--port', '0'], 60_000, { cli: older!.cli });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(`wsgi-edge: ${file} was made by Pyodide ${PYODIDE_314.version}, but this is Pyodide ${older!.version}: make it again with wsgi-edge snapshot`);
  });

  it('314 refuses its own snapshot cut short, as truncated, before loading Pyodide', { timeout: 60_000 }, async () => {
    const bytes = await readFile(join(dir, 'large-314.snapshot'));
    const file = join(dir, 'cut-314.snapshot');
    await writeFile(file, bytes.subarray(0, bytes.length - 1000));
    const refused = await runCli(['serve', join(dir, 'large_app.py'), '--snapshot', file, '--port', '0'], 60_000, { cli: PYODIDE_314.cli });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(`wsgi-edge: ${file} is truncated (${bytes.length - 1000} bytes): make it again with wsgi-edge snapshot`);
  });

  it("314 refuses one made by 0.27.7 (the global setup's)", { timeout: 60_000 }, async () => {
    const file = inject('pythonFaultsSnapshot');
    const refused = await runCli(['serve', 'test/faults/python/faults.py', '--snapshot', file, '--port', '0'], 60_000, { cli: PYODIDE_314.cli });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(`wsgi-edge: ${file} was made by Pyodide 0.27.7, but this is Pyodide ${PYODIDE_314.version}: make it again with wsgi-edge snapshot`);
  });
});
