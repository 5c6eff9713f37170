/**
 * The known traps of serverless adapters, each through the real runtime client with the buffered
 * handler: cookies per result shape, binary and compressed bodies, encoded path characters, repeated
 * query keys, stage prefixes, GET with a body, 204, the 6 MB limit, the client address, the log.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_BUFFERED_BYTES } from '../../src/targets/lambda/index.ts';
import type { Payload } from './function-url.ts';
import { buildTaskRoot, type TaskRoot } from './build.ts';
import { closeAll, startFunction, type LambdaFunction, type Outcome } from './runtime-api.ts';

type Event = Record<string, unknown>;
const load = (name: string): Event => JSON.parse(readFileSync(`test/lambda/events/${name}.json`, 'utf8'));


let root: TaskRoot;
const fns: Record<string, LambdaFunction> = {};
beforeAll(async () => {
  root = await buildTaskRoot();
  const names = ['handler', 'forcedBinary', 'forcedText', 'ownLoggerHandler', 'mounted'];
  await Promise.all(names.map(async (name) => {
    fns[name] = await startFunction({ taskRoot: root.dir, handler: `fixtures.${name}` });
  }));
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});

function payloadOf(outcome: Outcome): Payload {
  if (outcome.kind !== 'response') throw new Error(`Expected a buffered response, got ${JSON.stringify(outcome).slice(0, 500)}`);
  return outcome.payload as Payload;
}

async function call(event: Event, fn = 'handler'): Promise<Payload> {
  return payloadOf(await fns[fn]!.invoke(event));
}

async function environ(event: Event, fn = 'handler'): Promise<Record<string, unknown>> {
  return JSON.parse((await call(event, fn)).body) as Record<string, unknown>;
}

/** Function URL event for `rawPath` and `rawQueryString`, from a real capture. */
function furl(rawPath: string, rawQueryString = '', extra: Event = {}): Event {
  return { ...load('furl.capture.get-root'), rawPath, rawQueryString, ...extra };
}
function rest(path: string, extra: Event = {}): Event {
  return { ...load('apigw-rest-v1.aws-docs-request'), path, body: null, multiValueQueryStringParameters: null, queryStringParameters: null, ...extra };
}
function alb(path: string, extra: Event = {}): Event {
  return { ...load('alb.go-single-value-headers'), path, queryStringParameters: {}, ...extra };
}
function albMulti(path: string, extra: Event = {}): Event {
  return { ...load('alb.go-multi-value-headers'), path, multiValueQueryStringParameters: {}, ...extra };
}
/** HTTP API event (execute-api domain), which delivers rawPath already decoded. */
function httpApi(rawPath: string, rawQueryString = '', extra: Event = {}): Event {
  return { ...load('apigw-http-v2.go-no-authorizer'), rawPath, rawQueryString, ...extra };
}

const THREE_COOKIES = ['a=1; Path=/', 'b=2; HttpOnly', 'c=3, with comma; Expires=Wed, 21 Oct 2026 07:28:00 GMT'];

describe('several Set-Cookie headers', () => {
  test('function URL: the cookies array, never a set-cookie header; other repeats comma-joined', async () => {
    const result = await call(furl('/cookies'));
    expect(result.cookies).toEqual(THREE_COOKIES);
    expect(Object.keys(result.headers!)).not.toContain('set-cookie');
    expect(result.headers!.vary).toBe('Accept, Cookie');
    expect(result).not.toHaveProperty('multiValueHeaders');
  });

  test('REST: multiValueHeaders, and no cookies field (API Gateway would answer 502)', async () => {
    const result = await call(rest('/cookies'));
    expect(result.multiValueHeaders).toEqual({ 'set-cookie': THREE_COOKIES });
    expect(result).not.toHaveProperty('cookies');
    expect(result.headers!.vary).toBe('Accept, Cookie');
  });

  test('ALB multi-value mode: multiValueHeaders only, with statusDescription', async () => {
    const result = await call(albMulti('/cookies'));
    expect(result).not.toHaveProperty('headers');
    expect(result).not.toHaveProperty('cookies');
    expect(result.statusDescription).toBe('200 OK');
    expect(result.multiValueHeaders!['set-cookie']).toEqual(THREE_COOKIES);
    expect(result.multiValueHeaders!.vary).toEqual(['Accept, Cookie']);
  });

  test('ALB single-value mode: headers only, each cookie under a differently cased name', async () => {
    const result = await call(alb('/cookies'));
    expect(result).not.toHaveProperty('multiValueHeaders');
    const cookieKeys = Object.keys(result.headers!).filter((k) => k.toLowerCase() === 'set-cookie');
    expect(new Set(cookieKeys).size).toBe(3);
    expect(cookieKeys.map((k) => result.headers![k])).toEqual(THREE_COOKIES);
  });
});

const decode = (result: Payload) => Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');

describe('binary, compressed and text bodies', () => {
  test('image bytes go base64 and decode to the same bytes', async () => {
    const result = await call(furl('/binary'));
    expect(result.isBase64Encoded).toBe(true);
    expect([...decode(result)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x0d, 0x0a]);
  });

  test('gzip with a text type goes base64 (Content-Encoding present)', async () => {
    const result = await call(furl('/gzip'));
    expect(result.isBase64Encoded).toBe(true);
    expect(result.headers!['content-encoding']).toBe('gzip');
    expect([...decode(result)].slice(0, 2)).toEqual([0x1f, 0x8b]);
  });

  test('a text type whose bytes are not UTF-8 goes base64', async () => {
    const result = await call(furl('/text-not-utf8'));
    expect(result.isBase64Encoded).toBe(true);
    expect([...decode(result)]).toEqual([0x63, 0x61, 0x66, 0xe9]);
  });

  test('UTF-8 text of a +json type goes as text, byte for byte', async () => {
    const result = await call(furl('/utf8'));
    expect(result.isBase64Encoded).toBe(false);
    expect(result.body).toBe('{"title":"caf\u00e9 \u2603 \ud83d\udc0d"}');
  });

  test('no content type: base64', async () => {
    const result = await call(furl('/no-type'));
    expect(result.isBase64Encoded).toBe(true);
    expect(decode(result).toString()).toBe('plain bytes, no content type');
  });

  test('isBinary forces base64, or text when the bytes allow it', async () => {
    expect((await call(furl('/utf8'), 'forcedBinary')).isBase64Encoded).toBe(true);
    const text = await call(furl('/no-type'), 'forcedText');
    expect(text).toMatchObject({ isBase64Encoded: false, body: 'plain bytes, no content type' });
    // Bytes that are not UTF-8 cannot ride in a JSON string: still base64.
    expect((await call(furl('/binary'), 'forcedText')).isBase64Encoded).toBe(true);
  });

  test('a base64 request body reaches wsgi.input as its bytes', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0a]);
    const env = await environ(furl('/echo', '', {
      body: bytes.toString('base64'), isBase64Encoded: true,
      requestContext: { ...(load('furl.capture.get-root').requestContext as Event), http: { method: 'PUT', path: '/echo', sourceIp: '1.1.1.1' } },
    }));
    expect(env.REQUEST_METHOD).toBe('PUT');
    expect(env['wsgi.input']).toBe(bytes.toString('base64'));
    expect(env.CONTENT_LENGTH).toBe('4');
  });
});

describe('paths', () => {
  test('%2F and %3F in a function URL path decode once into PATH_INFO; RAW_URI keeps them', async () => {
    const env = await environ(furl('/a%2Fb%3Fc/d%20e%23f%25', 'q=%3F'));
    expect(env.PATH_INFO).toBe('/a/b?c/d e#f%');
    expect(env.RAW_URI).toBe('/a%2Fb%3Fc/d%20e%23f%25?q=%3F');
    expect(env.QUERY_STRING).toBe('q=%3F');
  });

  test('UTF-8 in the path becomes a native (latin-1) string of its bytes', async () => {
    expect((await environ(furl('/caf%C3%A9'))).PATH_INFO).toBe('/caf\u00c3\u00a9');
  });

  test('a decoded HTTP API path with ? # \\ and non-ASCII stays one path', async () => {
    const env = await environ(httpApi('/users/me?admin=true#x\\y/caf\u00e9', 'real=1'));
    expect(env.PATH_INFO).toBe('/users/me?admin=true#x\\y/caf\u00c3\u00a9');
    expect(env.QUERY_STRING).toBe('real=1');
  });

  test('the trailing slash of rawPath is kept', async () => {
    expect((await environ(furl('/dir/'))).PATH_INFO).toBe('/dir/');
  });
});

describe('query strings', () => {
  test('function URL: rawQueryString as given, repeated keys included', async () => {
    expect((await environ(furl('/q', 'a=1&a=2&b=%20'))).QUERY_STRING).toBe('a=1&a=2&b=%20');
  });

  test('REST: rebuilt from the decoded multi-value parameters, encoded, every value kept', async () => {
    const env = await environ(rest('/q', {
      multiValueQueryStringParameters: { a: ['1', '2 3'], 'b&': ['=&?'] },
      queryStringParameters: { a: '2 3', 'b&': '=&?' },
    }));
    expect(env.QUERY_STRING).toBe('a=1&a=2%203&b%26=%3D%26%3F');
  });

  test('ALB multi-value: values are passed as sent, not decoded', async () => {
    const env = await environ(albMulti('/q', { multiValueQueryStringParameters: { a: ['%20x', 'y'], b: ['c%26d'] } }));
    expect(env.QUERY_STRING).toBe('a=%20x&a=y&b=c%26d');
  });
});

describe('the request line', () => {
  test('SERVER_PROTOCOL is the version the event reports: requestContext.protocol (REST), requestContext.http.protocol (payload 2.0)', async () => {
    const restEvent = rest('/v');
    const context = restEvent.requestContext as Record<string, unknown>;
    expect((await environ({ ...restEvent, requestContext: { ...context, protocol: 'HTTP/1.0' } })).SERVER_PROTOCOL).toBe('HTTP/1.0');
    const v2 = furl('/v');
    const v2Context = v2.requestContext as { http: Record<string, unknown> };
    expect((await environ({ ...v2, requestContext: { ...v2Context, http: { ...v2Context.http, protocol: 'HTTP/2.0' } } })).SERVER_PROTOCOL).toBe('HTTP/2.0');
  });

  test('ALB reports no version: SERVER_PROTOCOL is HTTP/1.1', async () => {
    expect((await environ(alb('/v'))).SERVER_PROTOCOL).toBe('HTTP/1.1');
  });

  test('REST: a query value with \' and " reaches QUERY_STRING as the target rebuilds it, not re-encoded by a URL parser', async () => {
    const env = await environ(rest('/q', { multiValueQueryStringParameters: { s: ['it\'s "x"'] }, queryStringParameters: { s: 'it\'s "x"' } }));
    expect(env.QUERY_STRING).toBe("s=it's%20%22x%22");
  });
});

describe('stage prefix and mount point', () => {
  const prod = () => load('apigw-rest-v1.powertools-no-auth-stage-prod');

  test('REST through execute-api: the stage goes to SCRIPT_NAME', async () => {
    const env = await environ({ ...prod(), path: '/items/7' });
    expect(env).toMatchObject({ SCRIPT_NAME: '/prod', PATH_INFO: '/items/7', RAW_URI: '/prod/items/7' });
  });

  test('REST through a custom domain: no stage in the URL, none in SCRIPT_NAME', async () => {
    const event = prod();
    const context = { ...(event.requestContext as Event), domainName: 'api.example.com', path: '/items/7' };
    const headers = { ...(event.headers as Event), Host: 'api.example.com' };
    const env = await environ({ ...event, path: '/items/7', requestContext: context, headers, multiValueHeaders: null });
    expect(env).toMatchObject({ SCRIPT_NAME: '', PATH_INFO: '/items/7', SERVER_NAME: 'api.example.com' });
  });

  test('HTTP API with a named stage: rawPath carries it, SCRIPT_NAME takes it', async () => {
    const event = httpApi('/dev/items');
    (event.requestContext as Event).stage = 'dev';
    expect(await environ(event)).toMatchObject({ SCRIPT_NAME: '/dev', PATH_INFO: '/items' });
  });

  test('the scriptName option mounts below the stage; a path outside answers 404', async () => {
    expect(await environ({ ...prod(), path: '/app/x' }, 'mounted')).toMatchObject({ SCRIPT_NAME: '/prod/app', PATH_INFO: '/x' });
    expect((await call({ ...prod(), path: '/elsewhere' }, 'mounted')).statusCode).toBe(404);
  });
});

describe('methods and statuses', () => {
  test('GET and HEAD with a body: Fetch refuses it, the app still reads it', async () => {
    const body = Buffer.from('{"query":{"match_all":{}}}');
    const env = await environ(furl('/search', '', { body: body.toString('base64'), isBase64Encoded: true }));
    expect(env).toMatchObject({ REQUEST_METHOD: 'GET', CONTENT_LENGTH: String(body.length), 'wsgi.input': body.toString('base64') });
    const head = await call(rest('/search', { httpMethod: 'HEAD', body: 'ignored?' }));
    expect(head).toMatchObject({ statusCode: 200, body: '' });
  });

  test('204: no body, headers kept', async () => {
    const result = await call(furl('/204'));
    expect(result).toMatchObject({ statusCode: 204, body: '', isBase64Encoded: false });
    expect(result.headers!['x-empty']).toBe('yes');
  });

  test('a method Fetch cannot express answers 400 in the source shape', async () => {
    const event = furl('/');
    (event.requestContext as { http: Event }).http = { method: 'TRACE', path: '/', sourceIp: '1.1.1.1' };
    expect(await call(event)).toMatchObject({ statusCode: 400, body: 'Bad Request' });
    expect(await call(alb('/', { httpMethod: 'CONNECT' }))).toMatchObject({ statusCode: 400, statusDescription: '400 Bad Request' });
  });

  test('an event that is not an HTTP event fails the invocation with a message naming its keys', async () => {
    const outcome = await fns.handler!.invoke({ Records: [{ eventSource: 'aws:sqs' }] });
    expect(outcome.kind).toBe('error');
    if (outcome.kind === 'error') {
      expect(outcome.errorType).toBe('TypeError');
      expect(outcome.body.errorMessage).toContain('["Records"]');
    }
  });
});

describe('the 6 MB buffered limit', () => {
  test('a body just over the limit answers 500 with a log line pointing to streamHandle', async () => {
    const result = await call(furl('/big', `bytes=${MAX_BUFFERED_BYTES + 1}`));
    expect(result).toMatchObject({ statusCode: 500, isBase64Encoded: false });
    const line = await fns.handler!.waitForLog(/6 MB/);
    expect(line).toContain('streamHandle()');
    expect(line).toContain('RESPONSE_STREAM');
  });

  test('the limit applies to the result as sent: 5 MB of binary grows past it in base64', async () => {
    expect((await call(furl('/big', `bytes=${5 * 1024 * 1024}`))).statusCode).toBe(500);
    const fits = await call(furl('/big', `bytes=${4 * 1024 * 1024}`));
    expect(fits.statusCode).toBe(200);
    expect(Buffer.from(fits.body, 'base64').length).toBe(4 * 1024 * 1024);
  });
});

describe('client address', () => {
  test('REMOTE_ADDR is the platform source IP, not X-Forwarded-For', async () => {
    const event = furl('/');
    event.headers = { ...(event.headers as Event), 'x-forwarded-for': '6.6.6.6' };
    (event.requestContext as { http: Event }).http = { method: 'GET', path: '/', sourceIp: '203.0.113.9' };
    expect((await environ(event)).REMOTE_ADDR).toBe('203.0.113.9');
  });

  test('ALB: the last X-Forwarded-For entry (the one ALB appends), not a client-sent one', async () => {
    const event = alb('/');
    event.headers = { ...(event.headers as Event), 'x-forwarded-for': '6.6.6.6, 198.51.100.4' };
    expect((await environ(event)).REMOTE_ADDR).toBe('198.51.100.4');
  });
});

describe('wsgi.errors', () => {
  test('powertools JSON lines carrying the request id', async () => {
    await fns.handler!.invoke(furl('/log'), { requestId: 'log-req-1' });
    const line = await fns.handler!.waitForLog(/second line continued/);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'ERROR', message: 'second line continued', function_request_id: 'log-req-1', service: 'wsgi-edge-test' });
    const first = JSON.parse(await fns.handler!.waitForLog(/first line from the app/)) as Record<string, unknown>;
    expect(first).toMatchObject({ message: 'first line from the app', function_request_id: 'log-req-1' });
  });

  test('the logger option receives the lines, with the invocation context', async () => {
    await fns.ownLoggerHandler!.invoke(furl('/log'), { requestId: 'own-req-1' });
    const entry = JSON.parse(await fns.ownLoggerHandler!.waitForLog(/"own":true.*continued/)) as Record<string, unknown>;
    expect(entry).toMatchObject({ own: true, message: 'second line continued', requestId: 'own-req-1' });
  });

  test('an app error before headers: 500 for the client, the stack in one log entry', async () => {
    const result = await call(furl('/fail-before'));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('boom');
    const entry = JSON.parse(await fns.handler!.waitForLog(/boom before headers/)) as { message: string };
    expect(entry.message).toMatch(/Error: boom before headers\n\s+at /);
  });
});

test('the context reaches the app: deadline from Lambda-Runtime-Deadline-Ms', async () => {
  const env = await environ(furl('/'), 'handler');
  expect(env.remainingMs).toBeGreaterThan(0);
  expect(env.remainingMs).toBeLessThanOrEqual(10_000);
});
