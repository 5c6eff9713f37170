/**
 * `wsgi-edge serve`: the built command (dist/src/cli.js, the package's "bin") in a child process on a
 * free loopback port: the demo app by default, TypeScript modules on this Node (through tsx), a
 * JavaScript module, a named export, and the mistakes it reports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = 'dist/src/cli.js';
const SENTINEL = 'wsgi-edge-sentinel-7f3a9c';
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

/** Starts `wsgi-edge serve ...args --port 0` and resolves to its URL once it says it is serving. */
function serve(...args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args, '--port', '0'], {
    env: { ...process.env, WSGI_EDGE_SENTINEL: SENTINEL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => { stderr += data.toString(); });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (data: Buffer) => {
      stdout += data.toString();
      const match = /^Serving .* on (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout);
      if (match) resolve({ url: match[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`wsgi-edge serve exited (${code}): ${stdout}${stderr}`)));
  });
}

describe('wsgi-edge serve', () => {
  it('is the package bin, a Node script', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['wsgi-edge']).toBe(CLI);
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('with no module serves demoApp, whose environ never holds the process environment', async () => {
    const { url } = await serve();
    const response = await fetch(new URL('xyz?abc', url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text.startsWith('Hello world!\n\n')).toBe(true);
    expect(text).toContain("PATH_INFO = '/xyz'\n");
    expect(text).toContain("QUERY_STRING = 'abc'\n");
    expect(text).not.toContain(SENTINEL);
    expect(text).not.toContain('WSGI_EDGE_SENTINEL');
  });

  it('serves a TypeScript module by export name, on a Node without TypeScript support of its own', async () => {
    const { url } = await serve('test/wsgiref/fixtures/multi.ts:second');
    expect(await (await fetch(new URL('p', url))).text()).toBe('hello from second at /p');
    const seed = await serve('app/base64-app.ts:base64App');
    expect(await (await fetch(new URL('encode?mystring=hi', seed.url))).text()).toContain('aGk=');
  });

  it('serves a JavaScript module by its default export', async () => {
    const { url } = await serve('test/wsgiref/fixtures/plain.mjs', '--host', '127.0.0.1');
    expect(await (await fetch(url, { method: 'POST', body: '' })).text()).toBe('plain js POST');
  });

  it('reports a missing export, a missing module and a bad port with exit status 2', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const ambiguous = run('serve', 'test/wsgiref/fixtures/multi.ts');
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toContain('test/wsgiref/fixtures/multi.ts has no WSGI app: expected a default, app or application export that is a function (its function exports: ["first","greeting","second"])');
    const wrong = run('serve', 'test/wsgiref/fixtures/multi.ts:third');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('expected an export "third"');
    const missing = run('serve', 'test/wsgiref/fixtures/nope.ts');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/No module at .*nope\.ts/);
    const port = run('serve', '--port', 'http');
    expect(port.status).toBe(2);
    expect(port.stderr).toContain('--port must be 0 to 65535 (got "http")');
    const usage = run('run');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: wsgi-edge serve');
  });
});
