/**
 * Every sample event in test/lambda/events/ through the real runtime client: the environ the app
 * sees and the result shape of the event's source. The three response samples are reproduced by a
 * WSGI app and compared header for header, the way the front end merges them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Payload } from './function-url.ts';
import { buildTaskRoot, type TaskRoot } from './build.ts';
import { closeAll, startFunction, type LambdaFunction, type Outcome } from './runtime-api.ts';

const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`test/lambda/events/${name}.json`, 'utf8'));

let root: TaskRoot;
let fn: LambdaFunction;
beforeAll(async () => {
  root = await buildTaskRoot();
  fn = await startFunction({ taskRoot: root.dir, handler: 'fixtures.handler' });
});
afterAll(async () => {
  await closeAll();
  root?.remove();
});


function payloadOf(outcome: Outcome): Payload {
  if (outcome.kind !== 'response') throw new Error(`Expected a buffered response, got ${JSON.stringify(outcome).slice(0, 500)}`);
  return outcome.payload as Payload;
}

async function environFor(name: string): Promise<{ environ: Record<string, unknown>; result: Payload }> {
  const result = payloadOf(await fn.invoke(load(name)));
  expect(result.isBase64Encoded).toBe(false);
  return { environ: JSON.parse(result.body) as Record<string, unknown>, result };
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Per sample: environ keys and their expected values (`undefined` = absent), and the result's keys. */
const SAMPLES: Record<string, { environ: Record<string, unknown>; keys: string[] }> = {
  'alb.aws-docs-health-check': {
    environ: {
      REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/', QUERY_STRING: '', REMOTE_ADDR: undefined,
      SERVER_NAME: 'localhost', SERVER_PORT: '80', 'wsgi.url_scheme': 'http', HTTP_USER_AGENT: 'ELB-HealthChecker/2.0',
      CONTENT_LENGTH: undefined, 'wsgi.input': '',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode', 'statusDescription'],
  },
  'alb.aws-docs-request-single-value': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/', QUERY_STRING: '', REMOTE_ADDR: '72.21.198.66',
      SERVER_NAME: 'lambda-846800462-us-east-2.elb.amazonaws.com', SERVER_PORT: '443', 'wsgi.url_scheme': 'https',
      HTTP_COOKIE: 'cookies', CONTENT_TYPE: 'text/plain', HTTP_ACCEPT_LANGUAGE: 'en-US,en;q=0.8',
      // A GET with a body: Fetch refuses it, the app still reads it.
      CONTENT_LENGTH: '12', 'wsgi.input': base64('request_body'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode', 'statusDescription'],
  },
  'alb.go-multi-value-headers': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/', QUERY_STRING: 'key=hello', REMOTE_ADDR: '72.21.198.67',
      SERVER_NAME: 'lambda-test-alb-1234567.us-east-1.elb.amazonaws.com', SERVER_PORT: '80', 'wsgi.url_scheme': 'http',
      HTTP_X_MYHEADER: '123', HTTP_X_IMFORWARDS: '20', HTTP_CONNECTION: undefined, 'wsgi.input': '',
    },
    keys: ['body', 'isBase64Encoded', 'multiValueHeaders', 'statusCode', 'statusDescription'],
  },
  'alb.go-single-value-headers': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/', QUERY_STRING: 'key=hello', REMOTE_ADDR: '25.12.198.67',
      SERVER_NAME: 'lambda-test-alb-1334523864.us-east-1.elb.amazonaws.com', SERVER_PORT: '80', HTTP_X_MYHEADER: '123',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode', 'statusDescription'],
  },
  'apigw-http-payload-v1.aws-docs-request': {
    environ: {
      REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/my/path',
      QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value', REMOTE_ADDR: '192.0.2.1',
      SERVER_NAME: 'id.execute-api.us-east-1.amazonaws.com', SERVER_PORT: '443', 'wsgi.url_scheme': 'https',
      HTTP_HEADER1: 'value1', HTTP_HEADER2: 'value1, value2', 'wsgi.input': base64('Hello from Lambda!'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'apigw-http-v2.aws-docs-request': {
    environ: {
      REQUEST_METHOD: 'POST', PATH_INFO: '/my/path', QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
      REMOTE_ADDR: '192.0.2.1', HTTP_COOKIE: 'cookie1; cookie2', HTTP_HEADER2: 'value1,value2',
      SERVER_NAME: 'id.execute-api.us-east-1.amazonaws.com', CONTENT_LENGTH: '17', 'wsgi.input': base64('Hello from Lambda'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'apigw-http-v2.go-jwt-authorizer': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/my/path', REMOTE_ADDR: 'IP', HTTP_HEADER1: 'value1', HTTP_COOKIE: 'cookie1; cookie2',
      'wsgi.input': base64('{\r\n\t"a": 1\r\n}'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'apigw-http-v2.go-no-authorizer': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/', QUERY_STRING: '', REMOTE_ADDR: '1.2.3.4', CONTENT_LENGTH: '0',
      SERVER_NAME: 'aaaaaaaaaa.execute-api.us-west-2.amazonaws.com', HTTP_COOKIE: undefined, 'wsgi.input': '',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'apigw-rest-v1.aws-docs-request': {
    environ: {
      REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/my/path', REMOTE_ADDR: 'IP',
      QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value', HTTP_HEADER2: 'value1, value2',
      'wsgi.input': base64('Hello from Lambda!'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'apigw-rest-v1.powertools-no-auth-stage-prod': {
    environ: {
      // The stage reached through execute-api is the mount point, not part of PATH_INFO.
      REQUEST_METHOD: 'POST', SCRIPT_NAME: '/prod', PATH_INFO: '/no-auth', RAW_URI: '/prod/no-auth', QUERY_STRING: '',
      REMOTE_ADDR: '15.248.3.126', SERVER_NAME: 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com',
      HTTP_X_FORWARDED_FOR: '15.248.3.126, 130.176.209.21', CONTENT_LENGTH: undefined, 'wsgi.input': '',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.aws-docs-request': {
    environ: {
      // "<url-id>" is no valid host: the URL falls back to localhost.
      REQUEST_METHOD: 'POST', PATH_INFO: '/my/path', REMOTE_ADDR: '123.123.123.123', HTTP_COOKIE: 'cookie1; cookie2',
      SERVER_NAME: 'localhost', SERVER_PORT: '443', 'wsgi.input': base64('Hello from client!'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.capture.get-root': {
    environ: {
      REQUEST_METHOD: 'GET', PATH_INFO: '/', QUERY_STRING: '', RAW_URI: '/', REMOTE_ADDR: '127.0.0.1',
      SERVER_NAME: 'lambda-url-id.lambda-url.us-west-2.on.aws', HTTP_HOST: 'lambda-url-id.lambda-url.us-west-2.on.aws',
      CONTENT_TYPE: 'application/json', HTTP_ACCEPT: 'application/xml', 'wsgi.input': '',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.capture.get-root-trailing-slash': {
    environ: { REQUEST_METHOD: 'GET', PATH_INFO: '/', REMOTE_ADDR: '127.0.0.1' },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.capture.post-base64-body': {
    environ: { REQUEST_METHOD: 'POST', PATH_INFO: '/', CONTENT_TYPE: 'idk', CONTENT_LENGTH: '6', 'wsgi.input': base64('<idk/>') },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.capture.post-json-cookies': {
    environ: {
      // The cookies array and the cookie header carry the same pairs: one HTTP_COOKIE, not doubled.
      REQUEST_METHOD: 'POST', PATH_INFO: '/hello', QUERY_STRING: 'hello=world&foo=bar', HTTP_COOKIE: 'foo=bar; hello=hello',
      HTTP_HEADER2: 'h1,h2', CONTENT_LENGTH: '18', 'wsgi.input': base64('{"hello": "world"}'),
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.go-events-testdata-request': {
    environ: { REQUEST_METHOD: 'POST', PATH_INFO: '/my/path', REMOTE_ADDR: '123.123.123.123', HTTP_COOKIE: 'cookie1; cookie2' },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
  'furl.powertools-iam-base': {
    environ: {
      REQUEST_METHOD: 'POST', PATH_INFO: '/', QUERY_STRING: 'parameter1=value1&parameter1=value2&parameter2=value',
      HTTP_COOKIE: 'cookie1; cookie2', CONTENT_LENGTH: undefined, 'wsgi.input': '',
    },
    keys: ['body', 'headers', 'isBase64Encoded', 'statusCode'],
  },
};

describe('every sample request event', () => {
  test.each(Object.keys(SAMPLES))('%s', async (name) => {
    const { environ, result } = await environFor(name);
    const expected = SAMPLES[name]!;
    for (const [key, value] of Object.entries(expected.environ)) expect(environ[key], key).toEqual(value);
    expect(environ['aws_lambda.event']).toEqual(load(name));
    expect(environ['aws_lambda.context.awsRequestId']).toMatch(/^req-\d+$/);
    expect(Object.keys(result).sort()).toEqual(expected.keys);
    expect(result.statusCode).toBe(200);
    if (result.statusDescription !== undefined) expect(result.statusDescription).toBe('200 OK');
    const contentType = result.headers?.['content-type'] ?? result.multiValueHeaders?.['content-type']?.[0];
    expect(contentType).toBe('application/json');
  });

  test('the list covers every request sample in test/lambda/events', async () => {
    const { readdirSync } = await import('node:fs');
    const requests = readdirSync('test/lambda/events')
      .filter((f) => f.endsWith('.json') && !f.includes('response'))
      .map((f) => f.slice(0, -'.json'.length));
    expect(Object.keys(SAMPLES).sort()).toEqual(requests.sort());
  });
});

/** Headers as the front end would send them: multiValueHeaders win over headers, names case-insensitive. */
function effectiveHeaders(result: Payload): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    const key = name.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) out.set(name.toLowerCase(), values);
  for (const cookie of result.cookies ?? []) out.set('set-cookie', [...(out.get('set-cookie') ?? []), cookie]);
  out.delete('content-length');
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

describe('the documented response samples, produced by a WSGI app', () => {
  test('function URL response (furl.aws-docs-response)', async () => {
    const event = { ...load('furl.capture.get-root'), rawQueryString: 'sample=furl.aws-docs-response', rawPath: '/replay' };
    const sample = load('furl.aws-docs-response') as unknown as Payload;
    const result = payloadOf(await fn.invoke(event));
    expect(result.statusCode).toBe(sample.statusCode);
    expect(result.body).toBe(sample.body);
    expect(result.isBase64Encoded).toBe(false);
    expect(result.cookies).toEqual(sample.cookies);
    expect(result.headers?.['set-cookie']).toBeUndefined();
    expect(effectiveHeaders(result)).toEqual(effectiveHeaders(sample));
  });

  test('ALB response (alb.aws-docs-response), single-value mode', async () => {
    const event = { ...load('alb.go-single-value-headers'), path: '/replay', queryStringParameters: { sample: 'alb.aws-docs-response' } };
    const sample = load('alb.aws-docs-response') as unknown as Payload;
    const result = payloadOf(await fn.invoke(event));
    expect(result.statusCode).toBe(200);
    expect(result.statusDescription).toBe(sample.statusDescription);
    expect(result.body).toBe(sample.body);
    expect(result.multiValueHeaders).toBeUndefined();
    expect(effectiveHeaders(result)).toEqual(effectiveHeaders(sample));
  });

  test('REST response (apigw-rest-v1.go-response): same effective headers through headers/multiValueHeaders', async () => {
    const sample = load('apigw-rest-v1.go-response') as unknown as Payload;
    // The sample's own headers, replayed by the app: built here from the sample, so nothing is retyped.
    const result = payloadOf(await fn.invoke({
      ...load('apigw-rest-v1.aws-docs-request'),
      path: '/echo-headers',
      multiValueQueryStringParameters: null,
      queryStringParameters: { headers: JSON.stringify(sample.headers), body: sample.body },
    }));
    expect(result.statusCode).toBe(sample.statusCode);
    expect(result.body).toBe(sample.body);
    expect(result.isBase64Encoded).toBe(false);
    const expected = effectiveHeaders(sample);
    expected.set('content-type', ['text/plain']);
    expect(effectiveHeaders(result)).toEqual(new Map([...expected].sort(([a], [b]) => a.localeCompare(b))));
  });
});
