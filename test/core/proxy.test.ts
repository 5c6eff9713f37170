import { describe, expect, it } from 'vitest';
import { buildEnviron, type GatewayOptions } from '../../src/index.ts';

function environ(headers: Record<string, string>, options: GatewayOptions) {
  return buildEnviron(new Request('http://internal.test:8080/', { headers }), options);
}

const spoofed = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test' };

describe('trustProxy', () => {
  it('is off by default: forwarded headers change nothing', () => {
    const env = environ(spoofed, { remoteAddr: '10.0.0.2' });
    expect(env.REMOTE_ADDR).toBe('10.0.0.2');
    expect(env['wsgi.url_scheme']).toBe('http');
    expect(env.HTTP_HOST).toBe('internal.test:8080');
    expect(env.SERVER_NAME).toBe('internal.test');
  });

  it('with one trusted hop takes client, scheme and host from that proxy', () => {
    const env = environ(
      { 'x-forwarded-for': '6.6.6.6, 203.0.113.9', 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'evil.test, www.example.com' },
      { remoteAddr: '10.0.0.2', trustProxy: 1 },
    );
    expect(env.REMOTE_ADDR).toBe('203.0.113.9');
    expect(env['wsgi.url_scheme']).toBe('https');
    expect(env.HTTP_HOST).toBe('www.example.com');
    expect(env.SERVER_NAME).toBe('www.example.com');
    expect(env.SERVER_PORT).toBe('443');
    expect(env['wsgi_edge.peer_addr']).toBe('10.0.0.2');
  });

  it('with two trusted hops reads one further left, never past the list', () => {
    const headers = { 'x-forwarded-for': '198.51.100.1, 10.0.0.9' };
    expect(environ(headers, { remoteAddr: '10.0.0.2', trustProxy: 2 }).REMOTE_ADDR).toBe('198.51.100.1');
    expect(environ(headers, { remoteAddr: '10.0.0.2', trustProxy: 5 }).REMOTE_ADDR).toBe('198.51.100.1');
  });

  it('with a list trusts only the named addresses, walking from the peer', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.1, 10.0.0.9' };
    const trusted = ['10.0.0.2', '10.0.0.9'];
    expect(environ(headers, { remoteAddr: '10.0.0.2', trustProxy: trusted }).REMOTE_ADDR).toBe('198.51.100.1');
    // A peer that is not a trusted proxy is the client, whatever it claims.
    const direct = environ(spoofed, { remoteAddr: '203.0.113.50', trustProxy: trusted });
    expect(direct.REMOTE_ADDR).toBe('203.0.113.50');
    expect(direct['wsgi.url_scheme']).toBe('http');
    expect(direct.HTTP_HOST).toBe('internal.test:8080');
  });

  it('ignores a forwarded scheme other than http/https and a malformed host', () => {
    const env = environ({ 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'bad host/x' }, { remoteAddr: '10.0.0.2', trustProxy: 1 });
    expect(env.REMOTE_ADDR).toBe('1.2.3.4');
    expect(env['wsgi.url_scheme']).toBe('http');
    expect(env.HTTP_HOST).toBe('internal.test:8080');
  });

  it('does nothing without a peer address to count from', () => {
    expect(environ(spoofed, { trustProxy: 1 }).REMOTE_ADDR).toBeUndefined();
  });
});
