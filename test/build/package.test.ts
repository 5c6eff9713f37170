/**
 * What a user gets: the package as `npm pack` makes it (from the dist/ the global setup built; its
 * prepack script would build it again under the other suites' feet), installed with `pyodide` into an empty folder
 * outside the repository, and `npx wsgi-edge build lambda` and `build cloudflare` run there. A file the
 * package forgets (the runtime entries, the bridge, the wasm adapters) fails the build or the artifact;
 * the zip's handler then answers a function URL event in a fresh Node process, and the Worker, bundled
 * by wrangler, answers in workerd. Installing runs no script of the package's.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildWorker, startWorker } from '../cloudflare/workerd.ts';
import { unzipWithDates } from './artifacts.ts';

const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-package-'));
const consumer = path.join(work, 'consumer');
const npm = { cwd: consumer, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } };
let installed: { scripts?: Record<string, string> };

beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]);
  const tarball = path.join(work, (JSON.parse(stdout) as [{ filename: string }])[0].filename);
  const pyodide = (JSON.parse(readFileSync('node_modules/pyodide/package.json', 'utf8')) as { version: string }).version;
  mkdirSync(path.join(consumer, 'vendor'), { recursive: true });
  writeFileSync(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
  writeFileSync(path.join(consumer, 'hello.py'), [
    'def application(environ, start_response):',
    "    start_response('200 OK', [('Content-Type', 'text/plain')])",
    "    return [b'hello from ' + environ['PATH_INFO'].encode('latin-1')]",
    '',
  ].join('\n'));
  await run('npm', ['install', '--prefer-offline', '--no-package-lock', tarball, `pyodide@${pyodide}`], npm);
  installed = JSON.parse(readFileSync(path.join(consumer, 'node_modules/wsgi-edge/package.json'), 'utf8')) as typeof installed;
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the installed package has no install-time script', () => {
  const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];
  expect(Object.keys(installed.scripts ?? {}).filter((name) => lifecycle.includes(name))).toEqual([]);
});

test('npx wsgi-edge build lambda makes a zip whose handler answers', async () => {
  const { stdout } = await run('npx', ['wsgi-edge', 'build', 'lambda', 'hello.py', '--out', 'function.zip'], npm);
  expect(stdout).toMatch(/Wrote function\.zip: \d+ bytes/);
  const task = path.join(work, 'task');
  unzipWithDates(path.join(consumer, 'function.zip'), task);
  const event = { version: '2.0', rawPath: '/from-the-zip', rawQueryString: '', headers: { host: 'fn.lambda-url.us-east-1.on.aws' },
    requestContext: { http: { method: 'GET', path: '/from-the-zip', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' } }, isBase64Encoded: false };
  const script = 'const { handler } = await import(process.argv[1]); process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[2]), {})));';
  // A fresh process outside the consumer's folder and its node_modules: the zip holds all it needs.
  const { stdout: answered } = await run(process.execPath, ['--input-type=module', '-e', script, path.join(task, 'index.mjs'), JSON.stringify(event)], { cwd: task });
  const result = JSON.parse(answered.slice(answered.indexOf('{"statusCode"'))) as { statusCode: number; body: string };
  expect(result).toMatchObject({ statusCode: 200, body: 'hello from /from-the-zip' });
}, 120_000);

test('npx wsgi-edge build cloudflare makes a Worker that wrangler bundles and workerd runs', async () => {
  const { stdout } = await run('npx', ['wsgi-edge', 'build', 'cloudflare', 'hello.py', '--out', 'worker'], npm);
  expect(stdout).toMatch(/Wrote worker\/: \d+ bytes \(\d+\.\d MiB\) to upload/);
  const worker = await startWorker(await buildWorker(path.join(consumer, 'worker', 'wrangler.toml')));
  try {
    const answer = await fetch(new URL('/from-the-worker', worker.url));
    expect([answer.status, await answer.text()]).toEqual([200, 'hello from /from-the-worker']);
  } finally {
    await worker.miniflare.dispose();
  }
}, 240_000);
