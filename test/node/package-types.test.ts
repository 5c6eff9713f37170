/** A consumer project with default TypeScript settings type-checks against the published declarations. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve('.');
const consumer = mkdtempSync(join(tmpdir(), 'wsgi-edge-consumer-'));

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

function typecheck(source: string): string {
  writeFileSync(join(consumer, 'index.ts'), source);
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer], { stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: Buffer }).stdout ?? error);
  }
}

describe('published declarations', () => {
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules/wsgi-edge'));
  symlinkSync(join(root, 'node_modules/@types'), join(consumer, 'node_modules/@types'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, lib: ['ES2022', 'DOM', 'DOM.Iterable'] },
  }));

  it('type-check a consumer importing every subpath export', () => {
    expect(typecheck(`
      import { handle, respond, type WsgiApp } from 'wsgi-edge';
      import { handle as cloudflare } from 'wsgi-edge/cloudflare';
      import { handle as deno } from 'wsgi-edge/deno';
      import { handle as lambda, streamHandle } from 'wsgi-edge/lambda';
      import { loadPythonApp, lazyPythonApp } from 'wsgi-edge/python';
      import { shiftPathInfo, FileWrapper } from 'wsgi-edge/util';
      import { WsgiHeaders } from 'wsgi-edge/headers';
      import { validator } from 'wsgi-edge/validate';
      import { demoApp, makeServer } from 'wsgi-edge/simple-server';
      const app: WsgiApp = (environ, startResponse) => { startResponse('200 OK', []); return [environ.PATH_INFO]; };
      export const response: Promise<Response> = handle(app, new Request('http://x.test/'));
      export const serve = () => makeServer('127.0.0.1', 0, validator(demoApp));
      export const python: Promise<WsgiApp> = loadPythonApp({ app: 'wsgi_app:simple_app', path: ['app'] });
      export const lazy: WsgiApp = lazyPythonApp({ app: 'wsgi_app' });
      export const all = [respond, cloudflare(app), deno(app), lambda(app), streamHandle(app), shiftPathInfo, FileWrapper, new WsgiHeaders([])];
    `)).toBe('');
  });

  it('reject a misuse, so the check above is real', () => {
    expect(typecheck(`
      import { handle } from 'wsgi-edge';
      export const response = handle('not an app', new Request('http://x.test/'));
    `)).toContain('error TS2345');
  });
});
