import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isSensitiveKey, redactMetadata } from '../../src/observability/redact.js';

describe('metadata redaction', () => {
  it.each([
    'authorization',
    'proxy-authorization',
    'x-auth',
    'token',
    'x-session-token',
    'password',
    'x-passwd',
    'api_key',
    'apikey',
    'x-api-key',
    'session-id',
    'cookie',
    'set-cookie',
    'x-credential',
    'x-amz-signature',
    'client-secret',
    'anything-bin',
    'X-Auth-Token',
  ])('redacts %s by default', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each(['x-request-id', 'user-agent', 'x-request-source', 'grpc-timeout'])('prints %s', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });

  it('redacts the values in a trace line, and names added by the option', () => {
    const md = new Metadata();
    for (const [k, v] of Object.entries({
      token: 't0ken-value',
      password: 'hunter2',
      api_key: 'ak-123',
      apikey: 'ak-456',
      'x-auth': 'xa-789',
      'session-id': 's-42',
      'x-tenant': 'acme',
      'x-request-id': 'r-1',
    }))
      md.set(k, v);
    md.set('trace-bin', Buffer.from('secret bytes'));
    const line = redactMetadata(md, ['Tenant']);
    for (const secret of ['t0ken-value', 'hunter2', 'ak-123', 'ak-456', 'xa-789', 's-42', 'acme', 'secret bytes'])
      expect(line).not.toContain(secret);
    expect(line).toContain('x-request-id=r-1');
    expect(line).toContain('x-tenant=[redacted]');
    expect(redactMetadata(md)).toContain('x-tenant=acme');
  });
});

describe('call tracing', () => {
  it('prints no value of a sensitive key, nor of one added by redactKeys', async () => {
    const { createClient } = await import('../../src/index.js');
    const { captureLogger, tempCerts } = await import('../helpers.js');
    const certs = await tempCerts();
    const logger = captureLogger();
    await using client = createClient({
      address: 'localhost:1',
      certDir: certs.dir,
      logger,
      trace: 'call',
      retry: false,
      redactKeys: ['tenant'],
    });
    await client.hello
      .hello(
        {},
        {
          metadata: {
            token: 't0ken-value',
            password: 'hunter2',
            api_key: 'ak-123',
            'x-tenant': 'acme',
            'x-request-id': 'r-1',
          },
        },
      )
      .catch(() => undefined);
    await certs.cleanup();
    const lines = logger.lines.join('\n');
    expect(lines).toMatch(
      /metadata: token=\[redacted\] password=\[redacted\] api_key=\[redacted\] x-tenant=\[redacted\] x-request-id=r-1/,
    );
  });
});
