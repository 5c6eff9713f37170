/**
 * The conformance suite's request cases (issue 23): what the client sent is what the app sees. They
 * send what `fetch` cannot (an HTTP/1.0 request line, a query byte for byte, a body on GET, two Host
 * lines, a request pipelined behind `Connection: close`, CONNECT and `OPTIONS *`) through the target's
 * `wire`: raw bytes on a socket for a server, the front end's event for Lambda. Where a runtime loses
 * something before wsgi-edge sees it, the target states it in `platform.request` and the case pins that
 * behaviour, so a runtime upgrade that changes it fails here (README "Platform notes").
 * @module
 */

import fc from 'fast-check';
import { expect, it } from 'vitest';
import { rawExchange, rawUntilClose } from '../hardening/raw-http.ts';

/** A request as the wire carries it; every string is latin-1 (one character a byte). */
export interface WireRequest {
  method: string;
  /** The request target exactly as sent. */
  target: string;
  version: 'HTTP/1.0' | 'HTTP/1.1';
  /** The Host lines; default one, the target's own host. */
  hosts?: string[];
  /** A body, sent with its Content-Length. */
  body?: string;
}

/** The answer as the client got it. */
export interface WireAnswer {
  status: number;
  body: Buffer;
}

/** How a target carries requests the wire way. */
export interface Wire {
  send(request: WireRequest): Promise<WireAnswer>;
  /**
   * For a server on a socket: `bytes` written at once (several pipelined requests), and everything it
   * sent back until it closed the connection, or until `enough` holds for what arrived.
   */
  untilClose?(bytes: string, enough?: (received: Buffer) => boolean): Promise<Buffer>;
  /** For a server on a socket: `bytes` (one request, any framing) as written, answered. */
  raw?(bytes: string, method: string): Promise<WireAnswer>;
}

/** Framing that could smuggle a request past a proxy that reads it otherwise; each asks for the connection to close. */
const SMUGGLING = {
  'Content-Length with Transfer-Encoding': 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
  'two Content-Lengths': 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd',
  'an obs-fold line': 'GET /environ HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\nConnection: close\r\n\r\n',
  'bare LF line ends': 'GET /environ HTTP/1.1\nHost: localhost\nConnection: close\n\n',
  'a NUL in a header value': 'GET /environ HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n',
  'an unknown Transfer-Encoding': 'POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n',
} as const;

type SmugglingCase = keyof typeof SMUGGLING;

/**
 * What a runtime does with a request before wsgi-edge sees it, where that differs from what the client
 * sent (defaults: nothing is lost).
 * - `protocol`: `'reported'` (the request's own version reaches `SERVER_PROTOCOL`) or `'HTTP/1.1'`
 *   (the runtime does not say: Deno's `Request`).
 * - `getBody`: `'delivered'`, or `'dropped'` (Deno gives a GET's body as `null`; `CONTENT_LENGTH` stays).
 * - `query`: `'as-sent'`, or `'url-encoded'` (workerd hands over its own URL serialization, which
 *   percent-encodes `"`, `'`, `<`, `>` in a query).
 * - `highBytes`: bytes 0x80-0xFF in the target: `'as-sent'`, `'refused'` (the runtime's parser answers
 *   400: Node, Deno) or `'utf8-replaced'` (workerd decodes them as UTF-8, U+FFFD for each invalid byte).
 * - `duplicateHost`: the status for two Host lines: 400, or 500 (workerd refuses them itself).
 * - `pipelined`: `'closes'` (a request behind `Connection: close` is ignored) or `'answered'` (workerd
 *   answers it too).
 * - `connect`: the status for CONNECT: 400 (wsgi-edge refuses it), or 500 (workerd refuses it itself).
 * - `asteriskOptions`: `'server'` (the server answers `OPTIONS *` itself: 200, empty), `'slash-star'`
 *   (Deno's `Request` says `/*`, which the app then sees as `PATH_INFO`) or `'refused-500'` (workerd).
 * - `framing`: the status each framing in `SMUGGLING` gets where it is not 400 (the runtime takes it).
 */
export interface RequestFacts {
  protocol?: 'reported' | 'HTTP/1.1';
  getBody?: 'delivered' | 'dropped';
  query?: 'as-sent' | 'url-encoded';
  highBytes?: 'as-sent' | 'refused' | 'utf8-replaced';
  duplicateHost?: 400 | 500;
  pipelined?: 'closes' | 'answered';
  connect?: 400 | 500;
  asteriskOptions?: 'server' | 'slash-star' | 'refused-500';
  framing?: Partial<Record<SmugglingCase, 200 | 500>>;
}

/**
 * What each runtime does to a request before wsgi-edge sees it (README "Platform notes"), for its
 * JavaScript and Python targets alike.
 */
export const RUNTIME_REQUEST_FACTS = {
  // Node's parser (llhttp) refuses bytes above 0x7E in a request target.
  node: { highBytes: 'refused' },
  // Deno's Request carries no HTTP version, gives a GET's body as null, and says /* for OPTIONS *; its
  // parser (hyper) refuses bytes above 0x7E in a request target.
  // and it takes bare LF line ends (RFC 9112 §2.2 lets a server).
  deno: { protocol: 'HTTP/1.1', getBody: 'dropped', asteriskOptions: 'slash-star', highBytes: 'refused', framing: { 'bare LF line ends': 200 } },
  // workerd serializes the URL itself, UTF-8-decodes high bytes, reads on after Connection: close, and
  // refuses two Hosts, CONNECT and OPTIONS * with a 500 of its own (miniflare); it takes obs-fold, bare LF
  // and Content-Length with Transfer-Encoding, and refuses two Content-Lengths and an unknown coding with a 500.
  workerd: {
    query: 'url-encoded',
    highBytes: 'utf8-replaced',
    duplicateHost: 500,
    pipelined: 'answered',
    connect: 500,
    asteriskOptions: 'refused-500',
    framing: {
      'Content-Length with Transfer-Encoding': 200,
      'two Content-Lengths': 500,
      'an obs-fold line': 200,
      'bare LF line ends': 200,
      'an unknown Transfer-Encoding': 500,
    },
  },
  // The event carries everything: the function URL front end has parsed the request.
  lambda: {},
} as const satisfies Record<string, RequestFacts>;

interface Echo {
  cgi: Record<string, string>;
}

/** The characters issue 23 names, and neighbours the parsers treat specially. */
const QUERY_SPECIALS = '"\'<>`{|}^\\';
/** What a query may hold on every target: visible ASCII less `#` (a fragment), space and controls. */
const QUERY_CHARS = [...'abcXYZ019-._~!$&()*+,;=:@/?%[]' + QUERY_SPECIALS];
const HIGH_BYTES = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)).join('');

/** The query a target hands over for `query` sent as bytes, under its `query` and `highBytes` facts. */
function expectedQuery(query: string, facts: Required<RequestFacts>): string {
  let text = query;
  if (facts.highBytes === 'utf8-replaced') text = new TextDecoder().decode(Buffer.from(text, 'latin1'));
  if (facts.query === 'url-encoded') return new URL(`http://h/?${text}`).search.slice(1);
  return text === query ? query : Buffer.from(text, 'utf8').toString('latin1');
}

const responsesIn = (bytes: Buffer) => bytes.toString('latin1').match(/HTTP\/1\.[01] \d{3}/g) ?? [];

export function requestCases(name: string, wire: Wire, platform: RequestFacts = {}): void {
  const facts: Required<RequestFacts> = {
    protocol: 'reported',
    getBody: 'delivered',
    query: 'as-sent',
    highBytes: 'as-sent',
    duplicateHost: 400,
    pipelined: 'closes',
    connect: 400,
    asteriskOptions: 'server',
    framing: {},
    ...platform,
  };
  const environOf = async (request: WireRequest): Promise<Record<string, string>> => {
    const answer = await wire.send(request);
    expect(answer.status, `${name} ${request.method} ${request.target}: ${answer.body.toString('latin1').slice(0, 200)}`).toBe(200);
    // The fixture's JSON goes out as UTF-8 (a string body), native strings and all.
    return (JSON.parse(answer.body.toString('utf8')) as Echo).cgi;
  };
  const get = (target: string, extra: Partial<WireRequest> = {}): WireRequest => ({ method: 'GET', target, version: 'HTTP/1.1', ...extra });

  it(facts.protocol === 'reported'
    ? 'gives SERVER_PROTOCOL as the request\'s own version: HTTP/1.0 and HTTP/1.1'
    : 'gives SERVER_PROTOCOL HTTP/1.1 whatever the request\'s version (the runtime does not say)', async () => {
    const old = await environOf(get('/environ', { version: 'HTTP/1.0' }));
    expect(old.SERVER_PROTOCOL).toBe(facts.protocol === 'reported' ? 'HTTP/1.0' : 'HTTP/1.1');
    expect((await environOf(get('/environ'))).SERVER_PROTOCOL).toBe('HTTP/1.1');
  });

  it(facts.getBody === 'delivered'
    ? 'gives a GET its body in wsgi.input, as CONTENT_LENGTH says'
    : 'gives a GET an empty wsgi.input while CONTENT_LENGTH says 5 (the runtime drops the body)', async () => {
    expect((await environOf(get('/environ', { body: 'hello' }))).CONTENT_LENGTH).toBe('5');
    const echoed = await wire.send(get('/echo', { body: 'hello' }));
    expect(echoed.status).toBe(200);
    expect(echoed.body.toString('latin1')).toBe(facts.getBody === 'delivered' ? 'hello' : '');
  });

  it(facts.query === 'as-sent'
    ? `keeps QUERY_STRING and RAW_URI as sent: ${QUERY_SPECIALS} and escapes untouched`
    : `gives QUERY_STRING and RAW_URI as the runtime's URL has them: " ' < > percent-encoded, the rest of ${QUERY_SPECIALS} as sent`, async () => {
    const query = `q=${QUERY_SPECIALS}&e=%zz%20%41+x&s=/?`;
    const cgi = await environOf(get(`/environ?${query}`));
    expect({ QUERY_STRING: cgi.QUERY_STRING, RAW_URI: cgi.RAW_URI, PATH_INFO: cgi.PATH_INFO })
      .toEqual({ QUERY_STRING: expectedQuery(query, facts), RAW_URI: `/environ?${expectedQuery(query, facts)}`, PATH_INFO: '/environ' });
    // The path too: RAW_URI as sent, or as the runtime's URL serializes it (`"` encoded, `\` as `/`).
    const path = '/environ/a"b\\c<d>{e}';
    const expectedPath = facts.query === 'url-encoded' ? new URL(`http://h${path}`).pathname : path;
    expect((await environOf(get(path))).RAW_URI).toBe(expectedPath);
  });

  it({
    'as-sent': 'keeps query bytes 0x80-0xFF as sent (native strings)',
    refused: 'answers 400 to query bytes 0x80-0xFF (the runtime\'s parser refuses them before the app)',
    'utf8-replaced': 'gives query bytes 0x80-0xFF as the runtime decodes them: UTF-8, U+FFFD for each invalid byte, percent-encoded',
  }[facts.highBytes], async () => {
    const query = `b=${HIGH_BYTES}`;
    if (facts.highBytes === 'refused') {
      expect((await wire.send(get(`/environ?${query}`))).status).toBe(400);
      return;
    }
    expect((await environOf(get(`/environ?${query}`))).QUERY_STRING).toBe(expectedQuery(query, facts));
  });

  it('gives generated queries to the app as the runtime states (fast-check; seed printed on failure)', async () => {
    const queries = fc.string({ unit: fc.oneof(fc.constantFrom(...QUERY_CHARS), fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`)), maxLength: 24 });
    await fc.assert(fc.asyncProperty(queries, async (query) => {
      const cgi = await environOf(get(`/environ?${query}`));
      expect(cgi.QUERY_STRING).toBe(expectedQuery(query, facts));
    }), { numRuns: 40 });
  });

  it(facts.duplicateHost === 400
    ? 'answers 400 to two Host lines (RFC 9112 §3.2), without calling the app'
    : 'answers 500 to two Host lines, refused by the runtime before the app', async () => {
    const answer = await wire.send(get('/environ', { hosts: ['localhost', 'evil.example.com'] }));
    expect(answer.status).toBe(facts.duplicateHost);
    expect(answer.body.toString('latin1')).not.toContain('evil.example.com');
  });

  const { untilClose } = wire;
  if (untilClose !== undefined) {
    it(facts.pipelined === 'closes'
      ? 'answers a request sent with Connection: close, then closes, ignoring what was pipelined behind it (RFC 9112 §9.6)'
      : 'answers a request pipelined behind Connection: close as well (the runtime reads on)', async () => {
      const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
      // A runtime that answers both is not waited on to close the connection once both are complete.
      const bothAnswered = (received: Buffer) => responsesIn(received).length === 2 && received.toString('latin1').endsWith('\r\n0\r\n\r\n');
      const received = await untilClose(request('/hello') + request('/environ'), bothAnswered);
      expect(responsesIn(received)).toEqual(facts.pipelined === 'closes' ? ['HTTP/1.1 200'] : ['HTTP/1.1 200', 'HTTP/1.1 200']);
      expect(received.toString('latin1')).toContain('hello');
      if (facts.pipelined === 'closes') expect(received.toString('latin1')).not.toContain('REQUEST_METHOD');
    });
  }

  const { raw } = wire;
  if (raw !== undefined) {
    it.each(Object.keys(SMUGGLING) as SmugglingCase[])('answers %s as the runtime states (400 unless it takes it)', async (framing) => {
      const bytes = SMUGGLING[framing];
      const answer = await raw(bytes, bytes.slice(0, bytes.indexOf(' ')));
      expect(answer.status).toBe(facts.framing[framing] ?? 400);
    });
  }

  it(facts.connect === 400 ? 'answers 400 to CONNECT, which never reaches the app' : 'answers 500 to CONNECT, refused by the runtime before the app', async () => {
    const answer = await wire.send({ method: 'CONNECT', target: 'example.test:443', version: 'HTTP/1.1', hosts: ['example.test:443'] });
    expect(answer.status).toBe(facts.connect);
    expect(answer.body.toString('latin1')).not.toContain('fixture');
  });

  it({
    server: 'answers OPTIONS * itself: 200, empty, the app never called',
    'slash-star': 'passes OPTIONS * to the app as PATH_INFO /* (the runtime\'s Request cannot tell it from OPTIONS /*)',
    'refused-500': 'answers 500 to OPTIONS *, refused by the runtime before the app',
  }[facts.asteriskOptions], async () => {
    const answer = await wire.send({ method: 'OPTIONS', target: '*', version: 'HTTP/1.1' });
    if (facts.asteriskOptions === 'server') expect([answer.status, answer.body.length]).toEqual([200, 0]);
    else if (facts.asteriskOptions === 'refused-500') expect(answer.status).toBe(500);
    // The conformance app names the fixture it could not find: the first segment of PATH_INFO /*.
    else expect([answer.status, answer.body.toString('latin1')]).toEqual([404, 'no fixture "*"']);
  });
}

/** The bytes of `request` on an HTTP/1.x connection to `host`; it asks the server to close after it. */
export function requestBytes(request: WireRequest, host: string, extraHeaders = ''): string {
  const hosts = (request.hosts ?? [host]).map((value) => `Host: ${value}\r\n`).join('');
  const body = request.body ?? '';
  const length = request.body === undefined ? '' : `Content-Length: ${body.length}\r\n`;
  return `${request.method} ${request.target} ${request.version}\r\n${hosts}${length}${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/**
 * The wire of a server on a loopback socket at `origin()` (read when a case runs); `extraHeaders` are added
 * to each request (workerd's stand-in for the edge's report).
 */
export function socketWire(origin: () => string, extraHeaders: (request: WireRequest) => string = () => ''): Wire {
  return {
    async send(request) {
      const response = await rawExchange(origin(), request.method, requestBytes(request, new URL(origin()).host, extraHeaders(request)));
      return { status: response.status, body: response.body };
    },
    untilClose: (bytes, enough) => rawUntilClose(origin(), bytes, enough),
    async raw(bytes, method) {
      const response = await rawExchange(origin(), method, bytes);
      return { status: response.status, body: response.body };
    },
  };
}
