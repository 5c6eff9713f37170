/**
 * The seed's app and the Lambda suite's probe app pass through `validator()` cleanly: each answer is
 * the same with and without it, with no `WsgiValidationError` and only the warnings named here. (The
 * conformance fixtures run inside `validator()` on every runtime already: test/conformance/apps.ts.)
 */
import { describe, expect, it } from 'vitest';
import { base64App } from '../../app/base64-app.ts';
import type { GatewayOptions, WsgiApp } from '../../src/core/types.ts';
import { validator } from '../../src/wsgiref/validate.ts';
import { call } from '../helpers/call.ts';
import { probe, REPLAY } from '../lambda/fixtures/handlers.ts';

interface Answer {
  status: number;
  headers: [string, string][];
  body: number[];
  log: string[];
}

async function answer(app: WsgiApp, target: string, init: RequestInit, options: GatewayOptions): Promise<Answer> {
  const { response, log } = await call(app, target, init, options);
  return {
    status: response.status,
    headers: [...response.headers].filter(([name]) => name !== 'content-length'),
    body: [...new Uint8Array(await response.arrayBuffer())],
    log,
  };
}

/** Calls `app` with and without the validator; returns what the validator wrote to wsgi.errors. */
async function compare(app: WsgiApp, target: string, init: RequestInit = {}, options: GatewayOptions = {}): Promise<string[]> {
  const plain = await answer(app, target, init, options);
  const linted = await answer(validator(app), target, init, options);
  expect({ ...linted, log: [] }, target).toEqual({ ...plain, log: [] });
  expect(linted.log.join('\n'), target).not.toContain('WsgiValidationError');
  return linted.log.filter((line) => !plain.log.includes(line));
}

describe('fixture apps under validator()', () => {
  it("the seed's base64 app", async () => {
    const requests: [string, string][] = [
      ['GET', '/'],
      ['GET', '/?x=1'],
      ['POST', '/'],
      ['HEAD', '/'],
      ['POST', '/encode?mystring=a'],
      ['GET', '/encode'],
      ['GET', '/encode?mystring='],
      ['GET', '/encode?mystring=hello'],
      ['GET', '/encode?mystring=a+b%26c'],
      ['GET', '/encode?mystring=%3Cb%3E%C3%A9'],
      ['GET', '/encode?mystring=%FF%FE%C3'],
      ['PUT', '/encode?mystring=a'],
      ['GET', '/nope'],
      ['GET', '/caf%C3%A9'],
    ];
    for (const [method, target] of requests) {
      expect(await compare(base64App, target, { method }), `${method} ${target}`).toEqual([]);
    }
  });

  it("the Lambda suite's probe app (its routes that need no Runtime API)", async () => {
    const options: GatewayOptions = {
      environ: { 'aws_lambda.context': { awsRequestId: 'req-1' }, 'aws_lambda.event': { version: '2.0' } },
    };
    const clean = [
      '/cookies',
      '/binary',
      '/text-not-utf8',
      '/gzip',
      '/utf8',
      '/204',
      '/big?bytes=200000',
      '/log',
      `/echo-headers?headers=${encodeURIComponent('{"X-A":"1"}')}&body=hi`,
      ...Object.keys(REPLAY).map((sample) => `/replay?sample=${sample}`),
    ];
    for (const target of clean) expect(await compare(probe, target, {}, options), target).toEqual([]);
    // The catch-all route reads the whole body with read(): allowed here, a warning under the validator.
    expect(await compare(probe, '/anything', { method: 'POST', body: 'x' }, options)).toEqual([
      'WSGIWarning: wsgi.input.read() called without a size; some WSGI servers require one',
    ]);
  });

  it('the probe route that omits Content-Type on purpose is the one the validator refuses', async () => {
    const { response, log } = await call(validator(probe), '/no-type');
    expect(response.status).toBe(500);
    expect(log.join('\n')).toContain('WsgiValidationError: No Content-Type header found in headers ([])');
  });
});
