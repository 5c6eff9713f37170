/**
 * `wsgi-edge serve`: the built command (dist/src/cli.js, the package's "bin") in a child process on a
 * free loopback port: the demo app by default, TypeScript modules on this Node (through tsx), a
 * JavaScript module, a named export, Python files and modules, `--workers`, and the mistakes it reports.
 * (What a Python app's faults do to it: test/faults/python-node.test.ts.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForOutput } from '../deno/deno.ts';
import { expectAnswersAsCPython } from '../app/seed-cases.ts';
import { CLI, startCli, type CliProcess } from '../helpers/cli.ts';

const SENTINEL = 'wsgi-edge-sentinel-7f3a9c';
const running: CliProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** Starts `wsgi-edge serve ...args --port 0` and resolves once it says where it serves. */
async function serve(...args: string[]): Promise<CliProcess> {
  const server = await startCli(args, { WSGI_EDGE_SENTINEL: SENTINEL });
  running.push(server);
  return server;
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
    const workers = run('serve', 'app/wsgi_app.py', '--workers', '0');
    expect(workers.status).toBe(2);
    expect(workers.stderr).toContain('--workers must be 1 to 1024 (got "0")');
    const noFile = run('serve', 'app/nope.py');
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain(`No Python file at ${resolve('app/nope.py')}`);
    const noFolder = run('serve', 'wsgi_app', '--pythonpath', 'app,nope');
    expect(noFolder.status).toBe(2);
    expect(noFolder.stderr).toContain(`--pythonpath: no folder at ${resolve('nope')}`);
    const notPython = run('serve', 'test/wsgiref/fixtures/plain.mjs', '--pythonpath', 'app');
    expect(notPython.status).toBe(2);
    expect(notPython.stderr).toContain('--pythonpath is for a Python app; test/wsgiref/fixtures/plain.mjs is a JavaScript module');
    const snapshotForJavaScript = run('serve', 'test/wsgiref/fixtures/plain.mjs', '--snapshot', 'package.json');
    expect(snapshotForJavaScript.status).toBe(2);
    expect(snapshotForJavaScript.stderr).toContain('--snapshot is for a Python app: name one');
    const notSnapshot = run('serve', 'app/wsgi_app.py', '--snapshot', 'package.json');
    expect(notSnapshot.status).toBe(2);
    expect(notSnapshot.stderr).toContain(`wsgi-edge: ${resolve('package.json')} is not a wsgi-edge snapshot (make one with wsgi-edge snapshot)`);
    const noSnapshot = run('serve', 'app/wsgi_app.py', '--snapshot', 'nope.snapshot');
    expect(noSnapshot.status).toBe(2);
    expect(noSnapshot.stderr).toContain(`wsgi-edge: cannot read the snapshot ${resolve('nope.snapshot')}: ENOENT`);
    const usage = run('run');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Usage: wsgi-edge serve');
  });

  it('npm run start:python builds, then serves the seed\'s Python app (app/wsgi_app.py:simple_app) at HOST and PORT', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    const [build, command] = pkg.scripts['start:python']!.split(' && ');
    expect(build).toBe('npm run build --silent');
    // The build ran in the global setup; running it here would rewrite dist/ under the other suites.
    const child = spawn('sh', ['-c', `exec ${command!}`], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => { output += data.toString(); });
    child.stderr.on('data', (data: Buffer) => { output += data.toString(); });
    const exited = new Promise((done) => child.once('exit', done));
    try {
      const match = await waitForOutput(child, () => output, /^Serving app\/wsgi_app\.py:simple_app on (http:\/\/127\.0\.0\.1:\d+\/)$/m, 'npm run start:python');
      const page = await fetch(new URL('encode?mystring=hi', match[1]));
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<tt>&#x27;hi&#x27;</tt> base64 encoded is: <tt>aGk=</tt>');
      await expectAnswersAsCPython(match[1]!);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });

  it('serves a Python module:callable from --pythonpath folders (comma-separated, in order, then the working folder)', async () => {
    const { url } = await serve('faults:application', '--pythonpath', 'test/wsgiref/fixtures,test/faults/python');
    const whoami = await (await fetch(new URL('whoami', url))).json() as { path: string[]; multiprocess: boolean };
    expect(whoami.path).toEqual([resolve('test/wsgiref/fixtures'), resolve('test/faults/python'), process.cwd()]);
    expect(whoami.multiprocess).toBe(false);
  });

  it('--workers 2 serves from two processes on one port, and SIGTERM stops them all', async () => {
    const server = await serve('test/wsgiref/fixtures/plain.mjs', '--workers', '2');
    expect(server.output()).toMatch(/^Serving test\/wsgiref\/fixtures\/plain\.mjs on http:\/\/127\.0\.0\.1:\d+\/ with 2 workers$/m);
    const workers = [...server.output().matchAll(/^wsgi-edge: worker (\d+) is serving$/gm)].map((match) => Number(match[1]));
    expect(workers).toHaveLength(2);
    expect(await (await fetch(server.url, { method: 'POST', body: '' })).text()).toBe('plain js POST');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid}`).toThrow();
  });
});
