/**
 * `wsgi-edge build`'s refusals: each mistake in the command or the app is found at build time and
 * answered with one line naming it and status 2, never a stack; nothing is left at --out.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'wsgi-edge-build-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const out = path.join(work, 'function.zip');
/** A build that reaches Python loads the app in a fresh Pyodide: seconds, more on a busy machine. */
const PYTHON_MS = 120_000;

/** The command's status and its one line on stderr; nothing written at `out` (stdout may say how far it got). */
async function refused(args: readonly string[]): Promise<string> {
  const run = await runCli(['build', ...args, '--out', out]);
  expect(run.status).toBe(2);
  expect(run.stdout).not.toContain('Wrote');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

describe('wsgi-edge build refuses, in one line with status 2', () => {
  test('an unknown target', async () => {
    expect(await refused(['cloudfront', 'app/wsgi_app.py:simple_app'])).toBe('wsgi-edge build: unknown target "cloudfront" (one of lambda, deno, cloudflare)');
  });

  test('a module that is nowhere', async () => {
    expect(await refused(['lambda', 'no_such_module'])).toMatch(
      /^wsgi-edge build: cannot load the Python app "no_such_module:application": No module named 'no_such_module'; sys\.path is \[/);
  }, PYTHON_MS);

  test('a callable the module does not have', async () => {
    expect(await refused(['deno', 'app/wsgi_app.py:no_such_app'])).toMatch(
      /^wsgi-edge build: cannot load the Python app "wsgi_app:no_such_app": Module 'wsgi_app' \(\/var\/task\/python\/app\/wsgi_app\.py\) has no attribute 'no_such_app'$/);
  }, PYTHON_MS);

  test('a factory that raises, named with its exception, file and line', async () => {
    expect(await refused(['deno', 'test/wsgiref/fixtures/factories.py:broken_factory()'])).toMatch(
      /^wsgi-edge build: cannot load the Python app "factories:broken_factory\(\)": .*RuntimeError: no database configured.*factories\.py.*line \d+/);
  }, PYTHON_MS);

  test('a --pythonpath folder that does not exist', async () => {
    expect(await refused(['lambda', 'wsgi_app:simple_app', '--pythonpath', path.join(work, 'missing')])).toBe(
      `--pythonpath: no folder at ${path.join(work, 'missing')}`);
  });

  test('a --mount folder that does not exist', async () => {
    expect(await refused(['lambda', 'app/wsgi_app.py:simple_app', '--mount', `${path.join(work, 'missing')}:/data`])).toBe(
      `wsgi-edge build: --mount: no folder at ${path.join(work, 'missing')}`);
  });

  test('an output that cannot be written', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, '');
    const run = await runCli(['build', 'lambda', 'app/wsgi_app.py:simple_app', '--out', path.join(file, 'function.zip')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^wsgi-edge build: cannot write ${file.replace(/[/.]/g, '\\$&')}/function\\.zip: E(EXIST|NOTDIR)\\b[^\\n]*\\n$`));
  });

  test('a zip over Lambda\'s 50 MB for a direct upload, saying its size', async () => {
    const big = path.join(work, 'big');
    mkdirSync(big);
    writeFileSync(path.join(big, 'big_app.py'), 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b""]\n');
    // Random bytes do not compress: the zip is at least this big.
    writeFileSync(path.join(big, 'payload.bin'), randomBytes(51 * 1024 * 1024));
    expect(await refused(['lambda', path.join(big, 'big_app.py'), '--no-snapshot'])).toMatch(
      /^wsgi-edge build: .*function\.zip: \d+ bytes \((5[1-9]|[6-9]\d)\.\d MiB\), .*: the zip is over Lambda's 50\.0 MiB for a direct upload$/);
  }, PYTHON_MS);

  test('a Worker over Workers\' 64 MiB upload, saying its size', async () => {
    const big = path.join(work, 'big-worker');
    mkdirSync(big);
    writeFileSync(path.join(big, 'big_app.py'), 'def application(environ, start_response):\n    start_response("200 OK", [])\n    return [b""]\n');
    // Random bytes do not deflate: beside Pyodide's 12 MiB they pass the limit even without a snapshot.
    writeFileSync(path.join(big, 'payload.bin'), randomBytes(53 * 1024 * 1024));
    expect(await refused(['cloudflare', path.join(big, 'big_app.py'), '--no-snapshot'])).toMatch(
      /^wsgi-edge build: .*function\.zip: \d+ bytes \((6[4-9]|[7-9]\d)\.\d MiB\) to upload, 2 app files in app-files\.bin: over Workers' 64\.0 MiB per Worker$/);
  }, PYTHON_MS);

  test('a Worker whose module is nowhere, at build time', async () => {
    expect(await refused(['cloudflare', 'no_such_module'])).toMatch(
      /^wsgi-edge build: cannot load the Python app "no_such_module:application": No module named 'no_such_module'; sys\.path is \[/);
  }, PYTHON_MS);

  test('an app whose snapshot cannot be made, naming why and the way out; --no-snapshot builds it', async () => {
    for (const target of ['lambda', 'cloudflare']) {
      expect(await refused([target, 'test/build/fixtures/holds_js.py'])).toMatch(
        /^wsgi-edge build: cannot snapshot holds_js:application: .*Python holds a JavaScript object .*; wsgi-edge build --no-snapshot ships the app without one$/);
    }
    const run = await runCli(['build', 'lambda', 'test/build/fixtures/holds_js.py', '--no-snapshot', '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    rmSync(out);
  }, PYTHON_MS);
});
