#!/usr/bin/env node
/**
 * One deployable Lambda zip for a Python WSGI app: index.mjs (app/lambda-python.ts bundled, handlers
 * `index.handler` and `index.streamingHandler`), and beside it what a bundle cannot hold: Pyodide's
 * runtime files in node_modules/pyodide, the bridge's Python half, and the app's Python folders under
 * python/. Prints the zip's size and fails past Lambda's limits for a directly uploaded zip.
 *
 *   node scripts/build-lambda-python.mjs [--app app/wsgi_app.py:simple_app] [--pythonpath DIR,...]
 *                                        [--out dist/lambda-python.zip]
 *
 * `--app FILE.py[:callable]` ships that one file; `--app module[:callable]` names a module found on the
 * `--pythonpath` folders (a package, a `pip install -t` folder), which are shipped whole, less
 * `__pycache__`, `node_modules` and dot-entries. Files get a fixed date and a sorted order, so the same
 * inputs give the same zip.
 */

import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import { bundleLambda } from './lambda-bundle.mjs';

/** Lambda's quotas for a zip uploaded directly, and for the function unzipped. */
const MAX_ZIPPED = 50 * 1024 * 1024;
const MAX_UNZIPPED = 250 * 1024 * 1024;
/** What loadPyodide reads in Node; the rest of the package (the CommonJS build, maps, types) is not needed. */
const PYODIDE_FILES = ['package.json', 'pyodide.mjs', 'pyodide.asm.js', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];
const FIXED_DATE = new Date('2020-01-01T00:00:00Z');
/** Unix, mode 0644 in the high half of the external attributes: Lambda needs the files world-readable. */
const UNIX = 3;
const READABLE_FILE = (0o100644 << 16) >>> 0;

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    app: { type: 'string', default: 'app/wsgi_app.py:simple_app' },
    pythonpath: { type: 'string', multiple: true, default: [] },
    out: { type: 'string', default: 'dist/lambda-python.zip' },
  },
});

const fail = (message) => {
  console.error(`build-lambda-python: ${message}`);
  process.exit(1);
};

const { spec, appFile } = parseApp(values.app);
const folders = values.pythonpath.flatMap((list) => list.split(',')).filter(Boolean).map((dir) => path.resolve(dir));
for (const folder of folders) if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) fail(`--pythonpath ${folder}: not a folder`);

const stage = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-lambda-python-'));
try {
  const shipped = [];
  const place = (source) => {
    const name = uniqueName(path.basename(source), shipped);
    shipped.push(name);
    return path.join(stage, 'python', name);
  };
  if (appFile) {
    const target = place(path.dirname(appFile));
    mkdirSync(target, { recursive: true });
    copyFileSync(appFile, path.join(target, path.basename(appFile)));
  }
  for (const folder of folders) cpSync(folder, place(folder), { recursive: true, dereference: true, filter: (source) => shippable(source, folder) });

  const pyodide = path.dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));
  mkdirSync(path.join(stage, 'node_modules/pyodide'), { recursive: true });
  for (const file of PYODIDE_FILES) copyFileSync(path.join(pyodide, file), path.join(stage, 'node_modules/pyodide', file));
  copyFileSync(path.join(root, 'src/python/wsgi_edge_bridge.py'), path.join(stage, 'wsgi_edge_bridge.py'));
  await bundleLambda(path.join(root, 'app/lambda-python.ts'), path.join(stage, 'index.mjs'), {
    external: ['pyodide'],
    define: { WSGI_EDGE_PYTHON: JSON.stringify({ app: spec, path: shipped.map((name) => `python/${name}`) }) },
  });

  const files = listFiles(stage);
  const unzipped = files.reduce((sum, file) => sum + statSync(path.join(stage, file)).size, 0);
  for (const file of files.filter((name) => name.endsWith('.so'))) {
    console.warn(`build-lambda-python: ${file} is a native extension; Pyodide loads only extensions built for it, not CPython's`);
  }

  const out = path.resolve(values.out);
  mkdirSync(path.dirname(out), { recursive: true });
  // fflate writes local times: in UTC the same inputs give the same zip on any machine.
  process.env.TZ = 'UTC';
  const entries = Object.fromEntries(files.map((file) => [file, readFileSync(path.join(stage, file))]));
  writeFileSync(out, zipSync(entries, { level: 6, mtime: FIXED_DATE, os: UNIX, attrs: READABLE_FILE }));

  const zipped = statSync(out).size;
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`${path.relative(process.cwd(), out)}: ${zipped} bytes (${mb(zipped)}), ${unzipped} bytes unzipped (${mb(unzipped)}), ${files.length} files; ` +
    `app ${spec}; handlers index.handler, index.streamingHandler`);
  if (zipped > MAX_ZIPPED) fail(`the zip is over Lambda's ${mb(MAX_ZIPPED)} for a direct upload`);
  if (unzipped > MAX_UNZIPPED) fail(`the function is over Lambda's ${mb(MAX_UNZIPPED)} unzipped`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** `FILE.py[:callable]` → the module spec and the file; `module[:callable]` → itself. */
function parseApp(value) {
  const colon = value.lastIndexOf(':');
  const target = colon === -1 ? value : value.slice(0, colon);
  const callable = colon === -1 ? '' : value.slice(colon);
  if (!target.endsWith('.py')) return { spec: value };
  const appFile = path.resolve(target);
  if (!statSync(appFile, { throwIfNoEntry: false })?.isFile()) fail(`--app ${value}: no such file ${appFile}`);
  return { spec: path.basename(target, '.py') + callable, appFile };
}

function shippable(source, folder) {
  const name = path.basename(source);
  return source === folder || !(name.startsWith('.') || name === '__pycache__' || name === 'node_modules' || name.endsWith('.pyc'));
}

/** `name`, or `name-2`, `name-3`... if a folder of that name is already shipped. */
function uniqueName(name, taken) {
  let candidate = name;
  for (let n = 2; taken.includes(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}

/** Every file under `dir`, as sorted relative POSIX paths. */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
