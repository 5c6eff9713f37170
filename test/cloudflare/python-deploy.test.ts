/**
 * `wrangler deploy --dry-run` of app/cloudflare-python (the Python Worker a user copies) builds offline,
 * and what it would upload holds everything Pyodide needs inside the Worker: the wasm, the standard
 * library, the lock file, wsgi-edge's Python bridge and the app's module. Its size is printed (raw and
 * gzipped, module by module's sum), not asserted: it is Pyodide's, which this project does not choose.
 */
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPythonWorker } from './python-workerd.ts';
import type { BuiltWorker, BundledModule } from './workerd.ts';

const original = (module: BundledModule): string => module.name.replace(/^[0-9a-f]{40}-/, '');

describe('wrangler deploy --dry-run of app/cloudflare-python/wrangler.toml', () => {
  let bundle: BuiltWorker;
  beforeAll(async () => {
    bundle = await buildPythonWorker();
  });

  it('bundles Pyodide, the bridge and the app as Workers modules, and prints the upload size', () => {
    expect(bundle.report).toContain('--dry-run: exiting now.');
    const types = Object.fromEntries(bundle.modules.map((module) => [original(module), module.type]));
    expect(types).toMatchObject({
      'pyodide.asm.wasm': 'CompiledWasm',
      'python_stdlib.zip': 'Data',
      'pyodide-lock.json': 'Text',
      'wsgi_edge_bridge.py': 'Text',
      'wsgi_app.py': 'Text',
    });
    // The modules are the files themselves, not stubs: the app's callable and the zip's signature.
    const contents = (name: string) => bundle.modules.find((module) => original(module) === name)!.contents;
    expect(new TextDecoder().decode(contents('wsgi_app.py'))).toContain('def simple_app(');
    expect([...contents('python_stdlib.zip').subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect([...contents('pyodide.asm.wasm').subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);

    const files = [
      { name: bundle.scriptName, bytes: new TextEncoder().encode(bundle.script) },
      ...bundle.modules.map((module) => ({ name: original(module), bytes: module.contents })),
    ].map(({ name, bytes }) => ({ name, raw: bytes.length, gzipped: gzipSync(bytes).length }));
    const total = files.reduce((sum, file) => ({ raw: sum.raw + file.raw, gzipped: sum.gzipped + file.gzipped }), { raw: 0, gzipped: 0 });
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
    const wranglerSays = /Total Upload: .*/.exec(bundle.report)?.[0] ?? 'no Total Upload line';
    console.log([
      `Python Worker upload (wrangler: ${wranglerSays}): ${total.raw} B (${mib(total.raw)}) raw, ${total.gzipped} B (${mib(total.gzipped)}) gzipped, in ${files.length} files:`,
      ...files.sort((a, b) => b.raw - a.raw).map((file) => `  ${file.name}: ${file.raw} B raw, ${file.gzipped} B gzipped`),
    ].join('\n'));
  });
});
