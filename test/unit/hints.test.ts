import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/index.js';
import { hintFor } from '../../src/errors/hints.js';
import { redactMetadata } from '../../src/observability/redact.js';

const ctx = { address: 'pantry.example.com:443', insecure: false, caSource: 'certDir (./certs/ca.crt)' };

// Failure texts as grpc-js 1.14 reports them, each also produced for real by an integration test:
// hints-from-real-failures (ALPN alert, DNS), harness and doctor (Envoy, HAProxy, certificates),
// client-certificate-purpose (alerts 42/43), client-core (other CA, IP not in the certificate).
const shapes: Array<[string, Code, string, RegExp]> = [
  [
    'server certificate from another CA',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: unable to verify the first certificate.',
    /not signed by the CA this client trusts \(certDir/,
  ],
  [
    'IP target not in the certificate',
    Code.UNAVAILABLE,
    "No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list",
    /serverName/,
  ],
  [
    'client certificate missing (TLS 1.3)',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: 4C8E7E2A3E7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 116',
    /requires a client certificate/,
  ],
  [
    'client certificate from an unknown CA',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: C0:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:SSL alert number 48',
    /trusted_ca/,
  ],
  // Texts seen from the Go server (direct mutual TLS) and HAProxy for a client certificate without clientAuth (test/integration/client-certificate-purpose.test.ts).
  [
    'client certificate without clientAuth, Go',
    Code.UNAVAILABLE,
    'No connection established. Last error: 80FCE536BC7F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42',
    /lacks the clientAuth extended key usage/,
  ],
  [
    'client certificate without clientAuth, HAProxy',
    Code.UNAVAILABLE,
    'No connection established. Last error: 80FCE536BC7F0000:error:0A000413:SSL routines:ssl3_read_bytes:sslv3 alert unsupported certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 43',
    /lacks the clientAuth extended key usage/,
  ],
  [
    'no ALPN h2 on the listener',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: error:0A000460:SSL routines::tlsv1 alert no application protocol:SSL alert number 120',
    /alpn_protocols: \["h2", "http\/1\.1"\]/,
  ],
  [
    'TLS to a plaintext port',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
    /insecure: true/,
  ],
  [
    'HAProxy speaking HTTP/1.1 upstream',
    Code.UNAVAILABLE,
    'Received HTTP status code 502',
    /speaks HTTP\/1\.1 to it.*proto h2/,
  ],
  [
    'a proxy whose upstream is down',
    Code.UNAVAILABLE,
    'Received HTTP status code 503',
    /the server is down, restarting or unreachable from the proxy/,
  ],
  [
    'Envoy with the upstream down',
    Code.UNAVAILABLE,
    'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure',
    /the server is down, restarting or unreachable from the proxy/,
  ],
  [
    'Envoy with HTTP/1.1 upstream',
    Code.UNAVAILABLE,
    'upstream connect error or disconnect/reset before headers. reset reason: protocol error',
    /http2_protocol_options/,
  ],
  ['nginx rejecting the client certificate', Code.INTERNAL, 'Received HTTP status code 400', /HTTP 400/],
  [
    'nothing listening',
    Code.UNAVAILABLE,
    'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:443',
    /nothing accepts connections at pantry\.example\.com:443/,
  ],
  ['unknown host', Code.UNAVAILABLE, 'Name resolution failed for target dns:nowhere.invalid:443', /does not resolve/],
  [
    'an xDS bootstrap grpc-js-xds refuses',
    Code.UNAVAILABLE,
    "xDS name resolution failed for target xds:///pantry: Cannot read properties of null (reading 'clientDefaultListenerResourceNameTemplate')",
    /xDS control plane gave no usable configuration .*node\.locality/,
  ],
];

describe('hints', () => {
  it.each(shapes)('names cause and fix for %s', (_name, code, details, expected) => {
    expect(hintFor(code, details, ctx)).toMatch(expected);
  });

  it('says plaintext-to-TLS when the client is insecure', () => {
    expect(
      hintFor(Code.UNAVAILABLE, 'No connection established. Last error: Protocol error', { ...ctx, insecure: true }),
    ).toMatch(/does not answer plaintext HTTP\/2; if it is a TLS port/);
  });

  it('gives no hint for a server-side status', () => {
    expect(hintFor(Code.NOT_FOUND, 'food "food-1" not found', ctx)).toBeUndefined();
    expect(hintFor(Code.INVALID_ARGUMENT, 'unable to verify the first certificate', ctx)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('hides sensitive metadata values and keeps the rest', () => {
    const md = new Metadata();
    md.set('authorization', 'Bearer abc.def');
    md.set('x-session-token', 'tok-123');
    md.set('x-api-key', 'k-1');
    md.set('x-client-secret', 's-1');
    md.set('cookie', 'sid=1');
    md.set('x-request-source', 'kitchen');
    const text = redactMetadata(md);
    for (const secret of ['abc.def', 'tok-123', 'k-1', 's-1', 'sid=1']) expect(text).not.toContain(secret);
    expect(text).toContain('x-request-source=kitchen');
    expect(text).toContain('authorization=[redacted]');
  });
});

describe('a proxy error page read as a gRPC frame', () => {
  it('becomes UNAVAILABLE with the proxy hint, not RESOURCE_EXHAUSTED', async () => {
    const { toPantryError } = await import('../../src/errors/grpc-status.js');
    const raced = {
      code: Code.RESOURCE_EXHAUSTED,
      details: 'Received message larger than max (1752460652 vs 4194304)',
      metadata: new Metadata(),
    };
    const e = toPantryError(raced, '/hello.v1.HelloService/Hello', ctx);
    expect(e.codeName).toBe('UNAVAILABLE');
    expect(e.details).toContain('reads "html"');
    expect(e.hint).toMatch(/the proxy has no gRPC server to forward to/);
    const real = toPantryError(
      {
        code: Code.RESOURCE_EXHAUSTED,
        details: 'Received message larger than max (5242900 vs 4194304)',
        metadata: new Metadata(),
      },
      '/x/Y',
      ctx,
    );
    expect(real.codeName).toBe('RESOURCE_EXHAUSTED');
  });
});

describe('hintFor: a bearer token the proxy refused (UNAUTHENTICATED)', () => {
  const jwtHint =
    'the proxy at pantry.example.com:443 checks a bearer token (Envoy jwt_authn) and refused this call\'s: give the client a valid, unexpired JWT from the issuer the proxy trusts (createWebClient option token, sent as "authorization: Bearer …"), or use the mutual-TLS listener';

  it("names Envoy jwt_authn's refusals, in any case", () => {
    for (const details of [
      'Jwt is missing',
      'Jwt is expired',
      'Jwt not yet valid',
      'Jwt verification fails',
      'Jwt issuer is not configured',
      'Jwt header is an invalid JSON',
      'Jwt is not in the form of Header.Payload.Signature',
      'Jwks remote fetch is failed',
      'jwt IS EXPIRED',
    ])
      expect(hintFor(Code.UNAUTHENTICATED, details, ctx), details).toBe(jwtHint);
  });

  it('has no hint for another UNAUTHENTICATED, nor for a Jwt text under another code', () => {
    expect(hintFor(Code.UNAUTHENTICATED, 'invalid api key', ctx)).toBeUndefined();
    expect(hintFor(Code.UNAVAILABLE, 'Jwt is expired', ctx)).toBeUndefined();
  });
});
