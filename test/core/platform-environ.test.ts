/**
 * What each target adds to the environ of its own (`deno.info`, `aws_lambda.*`, `cloudflare.*`) comes
 * before the caller's `environ` option, and the caller's getters stay getters there, read only when the
 * app reads them (GatewayOptions.environ), as on the Node simple server, which passes them as given.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createErrorStream } from '../../src/core/error-stream.ts';
import { buildEnviron, type Environ, type GatewayOptions, type IncomingRequest } from '../../src/index.ts';
import { cloudflareGatewayOptions } from '../../src/targets/cloudflare/environ.ts';
import type { ExecutionContext } from '../../src/targets/cloudflare/types.ts';
import { denoGatewayOptions } from '../../src/targets/deno/environ.ts';
import type { ServeHandlerInfo } from '../../src/targets/deno/types.ts';
import { detectSource, toIncomingRequest } from '../../src/targets/lambda/event.ts';

/** A caller's extras with a getter that counts its reads. */
function countingExtras(): { extras: Record<string, unknown>; reads: () => number } {
  let reads = 0;
  const extras = Object.defineProperty({ 'myapp.plain': 1 }, 'myapp.lazy', { enumerable: true, get: () => ++reads });
  return { extras, reads: () => reads };
}

interface TargetCase {
  platformKeys: string[];
  build(extras: Record<string, unknown>): { request: IncomingRequest; options: GatewayOptions };
}

const info = { remoteAddr: { transport: 'tcp', hostname: '127.0.0.1', port: 4711 }, completed: Promise.resolve() } as unknown as ServeHandlerInfo;
const ctx: ExecutionContext = { waitUntil: () => {}, passThroughOnException: () => {} };

const TARGETS: Record<string, TargetCase> = {
  deno: {
    platformKeys: ['deno.info'],
    build: (extras) => ({ request: new Request('http://example.test/x'), options: denoGatewayOptions(info, { environ: extras }) }),
  },
  cloudflare: {
    // SERVER_PROTOCOL is a getter of the platform's on Workers, so it stands among its keys.
    platformKeys: ['cloudflare.env', 'cloudflare.ctx', 'cloudflare.cf', 'SERVER_PROTOCOL'],
    build: (extras) => ({ request: new Request('http://example.test/x'), options: cloudflareGatewayOptions({ BINDING: 'b' }, ctx, { environ: extras }) }),
  },
  lambda: {
    platformKeys: ['aws_lambda.event', 'aws_lambda.context'],
    build: (extras) => {
      const event = JSON.parse(readFileSync('test/lambda/events/furl.aws-docs-request.json', 'utf8')) as Parameters<typeof toIncomingRequest>[0];
      const { request, gateway } = toIncomingRequest(event, { awsRequestId: 'req-1' }, detectSource(event), { environ: extras }, createErrorStream(undefined));
      return { request, options: gateway };
    },
  },
};

describe.each(Object.keys(TARGETS))('the %s target\'s own environ keys', (name) => {
  const target = TARGETS[name]!;

  it('come before the caller\'s extras, whose getters stay getters', () => {
    const { extras, reads } = countingExtras();
    const { request, options } = target.build(extras);
    const environ: Environ = buildEnviron(request, options);
    expect(reads()).toBe(0);
    expect(environ['myapp.plain']).toBe(1);
    expect(environ['myapp.lazy']).toBe(1);
    expect(environ['myapp.lazy']).toBe(2);
    expect(Object.getOwnPropertyDescriptor(environ, 'myapp.lazy')?.get).toBeTypeOf('function');
    expect(Object.keys(environ).slice(-(target.platformKeys.length + 2))).toEqual([...target.platformKeys, 'myapp.plain', 'myapp.lazy']);
  });

  it('give way to a caller\'s key of the same name, in its place', () => {
    const key = target.platformKeys[0]!;
    const { request, options } = target.build({ [key]: 'the caller\'s' });
    const environ = buildEnviron(request, options);
    expect(environ[key]).toBe('the caller\'s');
    expect(Object.keys(environ).filter((each) => each === key)).toHaveLength(1);
  });
});
