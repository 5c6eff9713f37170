/**
 * `npm run start:cloudflare` (wrangler dev) and `npm run start:deno` (deno serve) serve the seed's app
 * with the same answers as `npm start` (`node dist/app/serve.js`, its command after the build that the
 * test setup already ran): status, Content-Type and body for every row of the seed's answer table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quietDenoEnv, stopChild, waitForOutput } from '../deno/deno.ts';
import { offlineWranglerEnv } from '../cloudflare/workerd.ts';

/** Requests covering every branch of the seed app (issue 2's table). */
const REQUESTS: Array<[method: string, target: string]> = [
  ['GET', '/'],
  ['GET', '/?x=1'],
  ['POST', '/'],
  ['HEAD', '/'],
  ['POST', '/encode?mystring=a'],
  ['GET', '/encode'],
  ['GET', '/encode?mystring='],
  ['GET', '/encode?mystring=hello'],
  ['GET', '/encode?mystring=a+b%26c'],
  ['GET', '/encode?mystring=it%27s'],
  ['GET', '/encode?mystring=%3Cb%3E%C3%A9'],
  ['GET', '/encode?mystring=%F0%9F%98%80%FF'],
  ['GET', '/encode?mystring=first&mystring=second'],
  ['GET', '/nope'],
  ['GET', '/encode/'],
];

interface Answer { status: number; type: string | null; length: string | null; body: string }

async function ask(base: string, [method, target]: [string, string]): Promise<Answer> {
  const response = await fetch(new URL(target, base), { method, headers: { 'Accept-Encoding': 'identity' } });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    length: response.headers.get('content-length'),
    body: await response.text(),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Started { child: ChildProcess; base: string; output: () => string }

/** Starts a command in its own process group (npm → sh → wrangler → workerd), waiting for `ready`. */
async function start(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Started> {
  const port = await freePort();
  const child = spawn(command, args, {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => { output += data.toString(); });
  child.stderr!.on('data', (data: Buffer) => { output += data.toString(); });
  const started = { child, base: `http://127.0.0.1:${port}`, output: () => output };
  try {
    await waitForOutput(child, () => output, ready, `${command} ${args.join(' ')}`);
  } catch (error) {
    await stopChild(child, true);
    throw error;
  }
  return started;
}

describe('the seed app on every runtime answers as npm start does', () => {
  const servers: Partial<Record<'node' | 'cloudflare' | 'deno', Started>> = {};

  beforeAll(async () => {
    const [node, cloudflare, deno] = await Promise.all([
      start(process.execPath, ['dist/app/serve.js'], process.env, /Listening on/),
      start('npm', ['run', 'start:cloudflare', '--silent'], offlineWranglerEnv(), /Ready on http/),
      start('npm', ['run', 'start:deno', '--silent'], quietDenoEnv(), /Listening on http/),
    ]);
    Object.assign(servers, { node, cloudflare, deno });
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((server) => stopChild(server.child, true)));
  });

  it('npm start gives the seed app\'s answers, its small generator pages complete with their length', async () => {
    const base = servers.node!.base;
    expect(await ask(base, ['GET', '/encode?mystring=hello'])).toEqual({
      status: 200,
      type: 'text/html; charset=utf-8',
      length: '164',
      body: '<html><head><title>wsgi_app.py</title></head><body><tt>&#x27;hello&#x27;</tt> base64 encoded is: ' +
        '<tt>aGVsbG8=</tt><br><a href="/">Return to the home page</a></body>',
    });
    expect(await ask(base, ['GET', '/nope'])).toEqual({ status: 404, type: 'text/plain', length: '21', body: 'That URL is not valid' });
  });

  /**
   * Where a runtime's own server, not the gateway, decides the length: wrangler dev re-streams every
   * text/html answer (a plain Worker's too, seen with curl), and deno serve sends `Content-Length: 0`
   * with any bodiless answer to HEAD.
   */
  const lengthSetByServer = {
    cloudflare: (request: [string, string], answer: Answer) => answer.type?.startsWith('text/html') === true,
    deno: ([method]: [string, string]) => method === 'HEAD',
  };

  it.each(['cloudflare', 'deno'] as const)('npm run start:%s serves the same answers', async (runtime) => {
    const server = servers[runtime]!;
    expect(server.output()).toContain(`127.0.0.1:${new URL(server.base).port}`);
    for (const request of REQUESTS) {
      const expected = await ask(servers.node!.base, request);
      const answer = await ask(server.base, request);
      if (lengthSetByServer[runtime](request, expected)) answer.length = expected.length;
      expect({ request, ...answer }).toEqual({ request, ...expected });
    }
  });
});
