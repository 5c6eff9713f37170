import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WsgiApp } from '../../src/index.ts';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';
import { sleep } from '../helpers/call.ts';

/** What happened, in order: `app PATH` when an app ran, `sent PATH STATUS` when its response went out. */
const events: string[] = [];
let closes = 0;
const app: WsgiApp = (environ, startResponse) => {
  const path = String(environ.PATH_INFO);
  events.push(`app ${path}`);
  if (path === '/broken') throw new Error('the app broke');
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return {
    *[Symbol.iterator]() {
      yield path;
    },
    close: () => void closes++,
  };
};

let server: WsgiServer;
beforeAll(async () => {
  server = await makeServer('127.0.0.1', 0, app, {
    accessLog: (line) => events.push(`sent ${/"GET (\S+)/.exec(line)![1]} ${/" (\d{3}) /.exec(line)![1]}`),
    errors: () => undefined,
  });
});
afterAll(() => server.close());

/** Opens a connection a request and, once all are open, writes every request in the same turn. */
async function sendTogether(requests: readonly string[], port = server.port): Promise<string[]> {
  const sockets = await Promise.all(requests.map(() => new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  })));
  // Let the server accept every connection before any request arrives.
  await sleep(50);
  const answers = sockets.map((socket) => new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  }));
  sockets.forEach((socket, i) => socket.write(requests[i]!));
  return Promise.all(answers);
}

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

describe('the simple server serves the requests of one turn together', () => {
  it('runs the apps of requests that arrived together before sending their responses, in order', async () => {
    events.length = 0;
    const before = closes;
    const answers = await sendTogether([request('/a'), request('/broken'), request('/c')]);
    const apps = events.slice(0, 3);
    expect([...apps].sort()).toEqual(['app /a', 'app /broken', 'app /c']);
    const status = (app: string) => (app === 'app /broken' ? 500 : 200);
    expect(events.slice(3)).toEqual(apps.map((app) => `sent ${app.slice(4)} ${status(app)}`));
    expect(answers.map((answer) => answer.match(/HTTP\/1\.1 \d{3}/g))).toEqual([['HTTP/1.1 200'], ['HTTP/1.1 500'], ['HTTP/1.1 200']]);
    expect(answers[1]).not.toContain('the app broke');
    expect(closes).toBe(before + 2);
  });

  it('serves a request that arrives alone at the end of its turn', async () => {
    events.length = 0;
    const [answer] = await sendTogether([request('/alone')]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n\/alone$/);
    expect(events).toEqual(['app /alone', 'sent /alone 200']);
  });

  it('answers every request of a turn when the access log throws, and says so on stderr', async () => {
    const throwing = await makeServer('127.0.0.1', 0, app, {
      accessLog: () => {
        throw new Error('the log is full');
      },
      errors: () => undefined,
    });
    const written: string[] = [];
    const stderrWrite = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const answers = await sendTogether([request('/a'), request('/b'), request('/c')], throwing.port);
      expect(answers.map((answer) => answer.match(/HTTP\/1\.1 \d{3}[^]*\r\n\r\n(.*)$/)?.slice(1))).toEqual([['/a'], ['/b'], ['/c']]);
      expect(answers.join('')).toMatch(/^(HTTP\/1\.1 200 [^]*){3}$/);
    } finally {
      stderrWrite.mockRestore();
      await throwing.close();
    }
    expect(written.filter((line) => line.includes('the access log failed: the log is full'))).toHaveLength(3);
  });
});
