#!/usr/bin/env node
/**
 * The `wsgi-edge` command. `wsgi-edge serve <module>[:export] [--host H] [--port P]` serves a WSGI app
 * from any JavaScript or TypeScript module on the simple server, as `python -m wsgiref.simple_server`
 * serves `demo_app`; with no module it serves `demoApp`.
 *
 * The export is the one named after `:`, else `default`, `app` or `application`, else the module's
 * only exported function. A TypeScript module is imported as it is when Node can (Node 22.6+ type
 * stripping, or `node --import tsx`), else through `tsx`'s `tsImport` (an optional peer dependency:
 * Node 20 has no TypeScript support of its own, and tsx handles the `.ts` import extensions this
 * project's style uses, which a bundling step would need configuring for).
 * @module
 */

import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { WsgiApp } from './core/types.ts';
import { demoApp } from './wsgiref/demo-app.ts';
import { makeServer } from './wsgiref/simple-server.ts';

const USAGE = `Usage: wsgi-edge serve [<module>[:export]] [--host H] [--port P]
       wsgi-edge snapshot <app.py|module>[:callable] --out FILE [--pythonpath DIR,...]

Serves a WSGI app on the simple server (default: the demo app on 127.0.0.1:8000).
  <module>   a .js/.mjs/.ts/.mts file; :export names the app (default: default, app,
             application, or the only exported function)
  --host H   the address to listen on (default 127.0.0.1)
  --port P   the port (default 8000; 0 picks a free one)

snapshot writes Pyodide's memory with the Python app imported, for loadPythonApp({ snapshot }):
  app.py     the app's file (its folder goes first on sys.path), or a module on --pythonpath
  --out      the snapshot file to write
  --pythonpath  more folders for sys.path, comma-separated`;

const TYPESCRIPT = /\.[cm]?tsx?$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A mistake in the command line or the module: reported in one line, exit status 2. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      out: { type: 'string' },
      pythonpath: { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, spec, ...extra] = positionals;
  if (command === 'snapshot' && spec !== undefined && extra.length === 0) {
    if (values.out === undefined) throw new UsageError('wsgi-edge snapshot needs --out FILE');
    await writePythonSnapshot(spec, values.out, values.pythonpath.split(',').filter((folder) => folder !== ''));
    return;
  }
  if (command !== 'serve' || extra.length > 0) throw new UsageError(USAGE);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got ${JSON.stringify(values.port)})`);

  const { app, label } = spec === undefined ? { app: demoApp, label: 'demoApp' } : await loadApp(spec);
  const server = await makeServer(values.host, port, app);
  const shown = values.host.includes(':') ? `[${values.host}]` : values.host;
  console.log(`Serving ${label} on http://${shown}:${server.port}/`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void server.close();
    });
  }
  await server.serveForever();
}

/** `path/to/module.ts:name` → the path and the export name (a Windows drive colon is not a separator). */
function parseSpec(spec: string): { path: string; exportName: string | undefined } {
  const colon = spec.lastIndexOf(':');
  if (colon > 1 && IDENTIFIER.test(spec.slice(colon + 1))) {
    return { path: spec.slice(0, colon), exportName: spec.slice(colon + 1) };
  }
  return { path: spec, exportName: undefined };
}

/** `app.py:callable` → module `app` with its folder first on the path; `module:callable` as it is. */
async function writePythonSnapshot(spec: string, out: string, pythonpath: string[]): Promise<void> {
  const colon = spec.lastIndexOf(':');
  const [target, callable] = colon > 1 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, 'application'];
  const file = target.endsWith('.py') ? resolve(target) : undefined;
  const app = `${file ? basename(file, '.py') : target}:${callable}`;
  const path = [...(file ? [dirname(file)] : []), ...pythonpath.map((folder) => resolve(folder))];
  const { snapshotPythonApp } = await import('./python/index.ts');
  const started = Date.now();
  const header = await snapshotPythonApp({ app, path }, out);
  console.log(`Wrote ${out}: ${app} with ${Object.keys(header.sources).length} source files imported, Pyodide ${header.pyodide}, in ${Date.now() - started} ms`);
}

async function loadApp(spec: string): Promise<{ app: WsgiApp; label: string }> {
  const { path, exportName } = parseSpec(spec);
  const module = await importModule(resolve(path));
  const exports = Object.keys(module).filter((name) => typeof module[name] === 'function');
  let name = exportName;
  if (name === undefined) {
    name = ['default', 'app', 'application'].find((candidate) => exports.includes(candidate));
    if (name === undefined && exports.length === 1) name = exports[0];
  }
  const app = name === undefined ? undefined : module[name];
  if (typeof app !== 'function') {
    const wanted = exportName === undefined ? 'a default, app or application export' : `an export ${JSON.stringify(exportName)}`;
    throw new UsageError(`${path} has no WSGI app: expected ${wanted} that is a function (its function exports: ${JSON.stringify(exports)})`);
  }
  return { app: app as WsgiApp, label: `${path}:${name}` };
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(file)) {
      throw new UsageError(`No module at ${file}`);
    }
    if (!TYPESCRIPT.test(file) || code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  // This Node cannot load TypeScript by itself: tsx can.
  let tsImport: (specifier: string, parentURL: string) => Promise<unknown>;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    throw new UsageError(
      `Node ${process.versions.node} cannot import ${file} by itself: install tsx (npm install --save-dev tsx), ` +
        'run on Node 22.6 or newer, or serve the compiled .js file',
    );
  }
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
