/**
 * `wsgi-edge build cloudflare`: the staged artifact as a Worker's folder that `wrangler dev -c
 * DIR/wrangler.toml` serves and `wrangler deploy -c DIR/wrangler.toml` uploads. The app's folders are
 * packed into one archive (./app-files.ts); the build writes the Worker's entry, worker.mjs, importing
 * the parts this artifact has, and a wrangler.toml whose rules name those parts and nothing else.
 * Refused past Workers' upload limit.
 * @module
 */

import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'fflate';
import { CONFIG_FILE, SNAPSHOT_FILE } from '../../artifact.ts';
import { BuildError, mebibytes, replaceFolder, type Preset } from '../../index.ts';
import { listFiles } from '../../stage.ts';
import { ARCHIVE_FILE, INDEX_FILE, type ArchiveIndex, type PackedFile } from './app-files.ts';

/** Workers' limit on a Worker's upload, uncompressed, on every plan. */
export const MAX_UPLOAD = 64 * 1024 * 1024;
/** Folders of the stage that go into the archive: the app's sys.path folders and its mounts. */
const PACKED = ['python/', 'mounts/'];
/** The runtime (dist/runtime/cloudflare.mjs, copied), which worker.mjs imports. */
const RUNTIME_ENTRY = 'runtime.mjs';
const WORKER_ENTRY = 'worker.mjs';
/** Pyodide 0.27.7's precompiled function adapters (src/python/wasm-function-adapters.ts), which the runtime imports. */
const FUNCTION_ADAPTERS = 'wasm-function-adapters.wasm';
/** The precompiled call trampoline (src/python/call-trampoline.ts), which the runtime imports. */
const CALL_TRAMPOLINE = 'call-trampoline.wasm';
/** wsgi-edge's own precompiled modules, copied from the package beside the runtime. */
const OWN_WASM = [FUNCTION_ADAPTERS, CALL_TRAMPOLINE];
const COMPATIBILITY_DATE = '2026-04-26';

export const cloudflarePreset: Preset = {
  name: 'cloudflare',
  entry: RUNTIME_ENTRY,
  defaultOut: '.wsgi-edge/cloudflare',
  finish(stage, out) {
    const packed = packAppFiles(stage);
    for (const file of OWN_WASM) copyFileSync(fileURLToPath(new URL(`../../../python/${file}`, import.meta.url)), path.join(stage, file));
    const hasSnapshot = statSync(path.join(stage, SNAPSHOT_FILE), { throwIfNoEntry: false }) !== undefined;
    writeFileSync(path.join(stage, WORKER_ENTRY), workerEntry(hasSnapshot));
    writeFileSync(path.join(stage, 'wrangler.toml'), wranglerConfig(workerName(stage)));
    const upload = uploadedFiles(stage, hasSnapshot).reduce((sum, file) => sum + statSync(path.join(stage, file)).size, 0);
    const size = `${upload} bytes (${mebibytes(upload)}) to upload, ${packed} app files in ${ARCHIVE_FILE}`;
    if (upload > MAX_UPLOAD) {
      throw new BuildError(`${path.relative(process.cwd(), out) || out}: ${size}: over Workers' ${mebibytes(MAX_UPLOAD)} per Worker`);
    }
    replaceFolder(stage, out);
    const folder = path.relative(process.cwd(), out) || '.';
    return [
      `Wrote ${folder}/: ${size}`,
      `Serve it with: npx wrangler dev -c ${folder}/wrangler.toml (deploy: npx wrangler deploy -c ${folder}/wrangler.toml)`,
    ];
  },
};

/**
 * Moves every file under the packed folders into the archive and its index; gives how many. A file is
 * deflated when that saves an eighth or more: the rest are served from the archive as they are.
 */
function packAppFiles(stage: string): number {
  const files: PackedFile[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const file of listFiles(stage).filter((name) => PACKED.some((folder) => name.startsWith(folder)))) {
    const host = path.join(stage, file);
    const bytes = readFileSync(host);
    const deflated = bytes.length > 0 ? deflateSync(bytes, { level: 9 }) : bytes;
    const worthIt = deflated.length <= bytes.length * 0.875;
    const stored = worthIt ? deflated : bytes;
    files.push({ path: file, offset, length: stored.length, size: bytes.length, deflated: worthIt, mtime: statSync(host).mtimeMs });
    chunks.push(stored);
    offset += stored.length;
  }
  const archive = new Uint8Array(offset);
  for (const [i, chunk] of chunks.entries()) archive.set(chunk, files[i]!.offset);
  writeFileSync(path.join(stage, ARCHIVE_FILE), archive);
  writeFileSync(path.join(stage, INDEX_FILE), `${JSON.stringify({ files } satisfies ArchiveIndex)}\n`);
  for (const folder of PACKED) rmSync(path.join(stage, folder), { recursive: true, force: true });
  return files.length;
}

/** What wrangler uploads: the entry's imports (the script it bundles, and the modules the rules name). */
function uploadedFiles(stage: string, hasSnapshot: boolean): string[] {
  const loader = ['pyodide/pyodide.asm.mjs', 'pyodide/pyodide.asm.js'].filter((file) => statSync(path.join(stage, file), { throwIfNoEntry: false }));
  return [
    WORKER_ENTRY, RUNTIME_ENTRY, ...OWN_WASM, CONFIG_FILE, INDEX_FILE, ARCHIVE_FILE, ...(hasSnapshot ? [SNAPSHOT_FILE] : []),
    'pyodide/pyodide.mjs', 'pyodide/pyodide.asm.wasm', 'pyodide/python_stdlib.zip', 'pyodide/pyodide-lock.json', ...loader,
  ];
}

function workerEntry(hasSnapshot: boolean): string {
  return [
    '// The Worker made by `wsgi-edge build cloudflare`: the artifact\'s parts, imported as Workers modules',
    '// (wrangler.toml names their types), handed to wsgi-edge\'s runtime. Python starts on the first request.',
    `import { serveArtifact } from './${RUNTIME_ENTRY}';`,
    `import config from './${CONFIG_FILE}';`,
    `import index from './${INDEX_FILE}';`,
    `import archive from './${ARCHIVE_FILE}';`,
    ...(hasSnapshot ? [`import snapshot from './${SNAPSHOT_FILE}';`] : []),
    '',
    `export default serveArtifact({ config, index, archive${hasSnapshot ? ', snapshot' : ''} });`,
    '',
  ].join('\n');
}

/** A Worker name from the app's module (`wsgi-edge-<module>`), as Workers spell names. */
function workerName(stage: string): string {
  const { app } = JSON.parse(readFileSync(path.join(stage, CONFIG_FILE), 'utf8')) as { app: string };
  const module = app.split(':', 1)[0]!.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `wsgi-edge-${module}`.slice(0, 63).replace(/-+$/, '');
}

function wranglerConfig(name: string): string {
  return `# Made by wsgi-edge build cloudflare. Serve: npx wrangler dev -c <this folder>/wrangler.toml
# Deploy: npx wrangler deploy -c <this folder>/wrangler.toml (rename the Worker here first if you like).
name = "${name}"
main = "${WORKER_ENTRY}"
compatibility_date = "${COMPATIBILITY_DATE}"
# Not "nodejs_compat": with it Pyodide takes its Node path (require("node:fs")), which fails in a Worker.
compatibility_flags = ["enable_request_signal"]

# The artifact's parts as Workers modules, by their exact names (pyodide.asm.wasm is CompiledWasm by
# wrangler's own rule; the app's files are all inside ${ARCHIVE_FILE}). wrangler warns about Pyodide's
# node: imports: they are on its Node path, never taken in a Worker.
[[rules]]
type = "Data"
globs = ["**/${ARCHIVE_FILE}", "**/${SNAPSHOT_FILE}", "**/python_stdlib.zip"]
fallthrough = true

[[rules]]
type = "Text"
globs = ["**/pyodide-lock.json"]
fallthrough = true
`;
}
