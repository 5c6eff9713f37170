/** Limits over the wire on the Node simple server: oversized bodies without Content-Length, long URLs, large header sets. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '../../src/index.ts';
import { makeServer, type WsgiServer } from '../../src/wsgiref/simple-server.ts';

const log: string[] = [];
const app: WsgiApp = async (environ, startResponse) => {
  const body = await environ['wsgi.input'].read();
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`read ${body.length}`];
};

/** The status line a raw request gets back. */
function statusOf(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n')) {
        resolve(answer.slice(0, answer.indexOf('\r\n')));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

let server: WsgiServer;
beforeAll(async () => {
  server = await makeServer('127.0.0.1', 0, app, { maxBodyBytes: 1000, accessLog: false, errors: (line) => log.push(line) });
});
afterAll(() => server.close());

describe('limits over the wire', () => {
  it('answers 413 to a chunked upload past maxBodyBytes, and logs it', async () => {
    const chunk = `100\r\n${'x'.repeat(0x100)}\r\n`;
    const request = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + chunk.repeat(8) + '0\r\n\r\n';
    expect(await statusOf(server.port, request)).toMatch(/^HTTP\/1\.1 413 /);
    expect(log.join('\n')).toContain('exceeds maxBodyBytes (1000)');
  });

  it('reads a chunked upload under the limit', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/`, {
      method: 'POST',
      body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array(600)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(await response.text()).toBe('read 600');
  });

  it('answers 413 to a Content-Length over the limit without reading the body', async () => {
    expect(await statusOf(server.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('answers 431 to an over-long URL and to an oversized header set (Node http decides before the gateway)', async () => {
    const longUrl = `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    expect(await statusOf(server.port, longUrl)).toMatch(/^HTTP\/1\.1 431 /);
    const bigHeaders = `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 40 }, (_, i) => `X-H${i}: ${'v'.repeat(500)}\r\n`).join('')}Connection: close\r\n\r\n`;
    expect(await statusOf(server.port, bigHeaders)).toMatch(/^HTTP\/1\.1 431 /);
    const after = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: 'ok' });
    expect(await after.text()).toBe('read 2');
  });
});
