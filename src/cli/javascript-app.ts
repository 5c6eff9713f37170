/**
 * The CLI's JavaScript and TypeScript targets. The export is the one named after `:`, else `default`,
 * `app` or `application`, else the module's only exported function. A TypeScript module is imported as
 * it is when Node can (Node 22.6+ type stripping, or `node --import tsx`), else through `tsx`'s
 * `tsImport` (an optional peer dependency: Node 20 has no TypeScript support of its own, and tsx handles
 * the `.ts` import extensions this project's style uses, which a bundling step would need configuring for).
 * @module
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WsgiApp } from '../core/types.ts';
import { UsageError } from './usage-error.ts';

const TYPESCRIPT = /\.[cm]?tsx?$/;

export async function loadJavaScriptApp(path: string, exportName: string | undefined): Promise<{ app: WsgiApp; label: string }> {
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
