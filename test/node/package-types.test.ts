/** A consumer project with default TypeScript settings type-checks against the published declarations. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tscCheck, type Diagnostics } from '../helpers/typecheck.ts';

const root = resolve('.');
const consumer = mkdtempSync(join(tmpdir(), 'wsgi-edge-consumer-'));

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe('published declarations', () => {
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(root, join(consumer, 'node_modules/wsgi-edge'));
  symlinkSync(join(root, 'node_modules/@types'), join(consumer, 'node_modules/@types'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, lib: ['ES2022', 'DOM', 'DOM.Iterable'] },
    files: ['index.ts', 'misuse.ts'],
  }));

  let checked: Diagnostics;
  beforeAll(async () => {
    checked = await tscCheck(consumer, {
      'index.ts': `
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
      `,
      'misuse.ts': `
        import { handle } from 'wsgi-edge';
        export const response = handle('not an app', new Request('http://x.test/'));
      `,
    });
  });

  it('type-check a consumer importing every subpath export', () => {
    expect(checked.of('index.ts')).toBe('');
    // The one run's only diagnostic is the misuse's: no config error kept index.ts from being checked.
    expect(checked.files).toEqual(['misuse.ts']);
  });

  it('reject a misuse, so the check above is real', () => {
    expect(checked.of('misuse.ts')).toContain('error TS2345');
  });
});
