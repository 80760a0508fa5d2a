import { Metadata } from '@grpc/grpc-js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { Code, codeName } from '../../src/errors/code.js';
import { errorInfoOf, hintForReason } from '../../src/errors/error-info.js';
import { toPantryError } from '../../src/errors/grpc-status.js';
import { ALPN_FIX, hintFor } from '../../src/errors/hints.js';
import { configError, PantryError } from '../../src/errors/pantry-error.js';

// errors/: what a failure says. Every hint shape is matched by each failure text it names and
// gives its own fix (never another shape's), only for transport-shaped codes; PantryError's
// message; how grpc-js errors and thrown values become PantryErrors; ErrorInfo edge cases.

const ctx = { address: 'pantry.example.com:443', insecure: false };
const plain = { ...ctx, insecure: true };

// [failure text, context, the start of the hint it must get]
const cases: Array<[string, typeof ctx & { caSource?: string }, string]> = [
  [
    'Error [ERR_TLS_CERT_ALTNAME_INVALID]: x',
    ctx,
    'the server certificate is not issued for the host in "pantry.example.com:443". Dial a name',
  ],
  ["does not match certificate's altnames", ctx, 'the server certificate is not issued for the host'],
  ['hostname/ip does not match', ctx, 'the server certificate is not issued for the host'],
  [
    'unable to verify the first certificate',
    ctx,
    "the server's certificate is not signed by the CA this client trusts. Use the CA",
  ],
  [
    'self signed certificate in certificate chain',
    { ...ctx, caSource: 'option ca (./ca.crt)' },
    "the server's certificate is not signed by the CA this client trusts (option ca (./ca.crt)). Use",
  ],
  ['self-signed certificate', ctx, "the server's certificate is not signed"],
  ['unable to get local issuer certificate', ctx, "the server's certificate is not signed"],
  ['certificate signature failure', ctx, "the server's certificate is not signed"],
  ['tlsv13 alert certificate required', ctx, 'the proxy requires a client certificate and did not accept one'],
  ['SSL alert number 116', ctx, 'the proxy requires a client certificate'],
  ['sslv3 alert bad certificate', ctx, 'the proxy refused the client certificate itself'],
  ['SSL alert number 42', ctx, 'the proxy refused the client certificate itself'],
  ['alert unsupported certificate', ctx, 'the proxy refused the client certificate itself'],
  ['SSL alert number 43', ctx, 'the proxy refused the client certificate itself'],
  [
    'tlsv1 alert unknown ca',
    ctx,
    'the proxy rejected the client certificate: it is not signed by a CA the proxy trusts',
  ],
  ['SSL alert number 48', ctx, 'the proxy rejected the client certificate'],
  ['SSL alert number 46', ctx, 'the proxy rejected the client certificate'],
  ['sslv3 alert certificate expired', ctx, 'the proxy says the client certificate has expired'],
  ['SSL alert number 45', ctx, 'the proxy says the client certificate has expired'],
  [
    'tlsv1 alert no application protocol',
    ctx,
    "the proxy's TLS listener does not offer HTTP/2 through ALPN, which gRPC needs. Envoy:",
  ],
  ['SSL alert number 120', ctx, "the proxy's TLS listener does not offer HTTP/2"],
  ['wrong version number', ctx, 'this client speaks TLS but pantry.example.com:443 answers in plaintext'],
  ['packet length too long', ctx, 'this client speaks TLS but'],
  [
    'reset reason: protocol error',
    ctx,
    'the proxy could not speak to the gRPC server upstream, most often because it speaks HTTP/1.1 to it. Envoy: give',
  ],
  ['Received HTTP status code 502', ctx, 'the proxy could not speak to the gRPC server upstream'],
  ['upstream connect error or disconnect/reset before headers', ctx, 'the proxy has no gRPC server to forward to'],
  ['no healthy upstream', ctx, 'the proxy has no gRPC server to forward to'],
  ['Received HTTP status code 503', ctx, 'the proxy has no gRPC server to forward to'],
  ['x (the proxy sent an HTML error page, not gRPC)', ctx, 'the proxy has no gRPC server to forward to'],
  ['Stream refused by server', ctx, 'the proxy (or server) refused the call before processing it'],
  ['Received HTTP status code 400', ctx, 'the proxy answered HTTP 400: nginx-style proxies'],
  ['Received HTTP status code 403', ctx, 'the proxy denied the call (HTTP 403)'],
  ['Received HTTP status code 404', ctx, 'the proxy answered HTTP 404 instead of gRPC. Check that the route'],
  ['connect ECONNREFUSED 127.0.0.1:443', ctx, 'nothing accepts connections at pantry.example.com:443. Check'],
  [
    'Protocol error',
    plain,
    'this client speaks plaintext (insecure: true) but pantry.example.com:443 does not answer plaintext HTTP/2',
  ],
  ['Failed to connect', plain, 'this client speaks plaintext (insecure: true)'],
  ['ERR_HTTP2_ERROR', plain, 'this client speaks plaintext (insecure: true)'],
  ['ERR_HTTP2_SESSION_ERROR', plain, 'this client speaks plaintext (insecure: true)'],
  ['read ECONNRESET', plain, 'this client speaks plaintext (insecure: true)'],
  ['Protocol error', ctx, 'the HTTP/2 session with pantry.example.com:443 failed: the server may not speak HTTP/2'],
  ['ERR_HTTP2_ERROR', ctx, 'the HTTP/2 session with'],
  ['ERR_HTTP2_SESSION_ERROR', ctx, 'the HTTP/2 session with'],
  ['getaddrinfo ENOTFOUND nowhere', ctx, 'the host of pantry.example.com:443 does not resolve. Check the name'],
  ['getaddrinfo EAI_AGAIN nowhere', ctx, 'the host of pantry.example.com:443 does not resolve'],
  ['Name resolution failed for target', ctx, 'the host of pantry.example.com:443 does not resolve'],
  ['read ECONNRESET', ctx, 'the connection was dropped mid-call'],
  ['Connection dropped', ctx, 'the connection was dropped mid-call'],
  ['Socket closed', ctx, 'the connection was dropped mid-call'],
  ['ERR_HTTP2_GOAWAY_SESSION', ctx, 'the connection was dropped mid-call'],
  ['Failed to load credentials', ctx, 'grpc-js could not build TLS from the current certificate files'],
];

describe('hintFor', () => {
  it.each(cases)('%j (%o) gets its own hint', (details, context, start) => {
    expect(hintFor(Code.UNAVAILABLE, details, context)).toMatch(
      new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });

  it('matches case-insensitively, as failure texts vary in case', () => {
    expect(hintFor(Code.UNAVAILABLE, 'UNABLE TO VERIFY THE FIRST CERTIFICATE', ctx)).toMatch(
      /^the server's certificate/,
    );
    expect(hintFor(Code.UNAVAILABLE, 'stream refused BY server', ctx)).toMatch(/^the proxy \(or server\) refused/);
  });

  it('gives the ALPN fix for all three proxies', () => {
    expect(hintFor(Code.UNAVAILABLE, 'no application protocol', ctx)).toContain(ALPN_FIX);
    expect(ALPN_FIX).toContain('alpn_protocols: ["h2", "http/1.1"]');
    expect(ALPN_FIX).toContain('alpn h2,http/1.1');
    expect(ALPN_FIX).toContain('http2 on;');
  });

  it('has no hint for a failure of unknown shape, nor for plaintext-only texts on a TLS client', () => {
    expect(hintFor(Code.UNAVAILABLE, 'something else entirely', ctx)).toBeUndefined();
    expect(hintFor(Code.UNAVAILABLE, 'Failed to connect', ctx)).toBeUndefined();
  });

  it('hints only for transport-shaped codes', () => {
    const details = 'connect ECONNREFUSED 127.0.0.1:443';
    for (const code of [Code.UNAVAILABLE, Code.INTERNAL, Code.UNKNOWN, Code.PERMISSION_DENIED, Code.UNIMPLEMENTED])
      expect(hintFor(code, details, ctx), codeName(code)).toMatch(/^nothing accepts connections/);
    for (const code of [
      Code.OK,
      Code.CANCELLED,
      Code.INVALID_ARGUMENT,
      Code.DEADLINE_EXCEEDED,
      Code.NOT_FOUND,
      Code.ALREADY_EXISTS,
      Code.RESOURCE_EXHAUSTED,
      Code.FAILED_PRECONDITION,
      Code.ABORTED,
      Code.OUT_OF_RANGE,
      Code.DATA_LOSS,
      Code.UNAUTHENTICATED,
    ])
      expect(hintFor(code, details, ctx), codeName(code)).toBeUndefined();
  });
});

describe('codeName and PantryError', () => {
  it('names codes, and calls a number outside the table UNKNOWN', () => {
    expect(codeName(14)).toBe('UNAVAILABLE');
    expect(codeName(0)).toBe('OK');
    expect(codeName(16)).toBe('UNAUTHENTICATED');
    expect(codeName(99)).toBe('UNKNOWN');
  });

  it('reads "[CODE] method: details" and the hint on its own line, with every field kept', () => {
    const metadata = new Metadata();
    const cause = new Error('under');
    const e = new PantryError({
      code: Code.NOT_FOUND,
      details: 'no food',
      method: '/pantry.v1.FoodStorageService/GetFood',
      attempts: 2,
      elapsedMs: 30,
      metadata,
      hint: 'look elsewhere',
      cause,
    });
    expect(e.message).toBe('[NOT_FOUND] pantry.v1.FoodStorageService/GetFood: no food\n  hint: look elsewhere');
    expect(e.name).toBe('PantryError');
    expect([e.code, e.codeName, e.details, e.method, e.attempts, e.elapsedMs, e.hint]).toEqual([
      Code.NOT_FOUND,
      'NOT_FOUND',
      'no food',
      '/pantry.v1.FoodStorageService/GetFood',
      2,
      30,
      'look elsewhere',
    ]);
    expect(e.metadata).toBe(metadata);
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
  });

  it('has sensible empties: no method, no hint, no cause, zero attempts', () => {
    const e = new PantryError({ code: Code.INTERNAL, details: 'x' });
    expect(e.message).toBe('[INTERNAL] x');
    expect([e.method, e.attempts, e.elapsedMs, e.hint]).toEqual(['', 0, 0, undefined]);
    expect('cause' in e).toBe(false);
    expect(e.metadata.getMap()).toEqual({});
    expect(new PantryError({ code: Code.INTERNAL, details: 'x', method: 'a.B/C' }).message).toBe('[INTERNAL] a.B/C: x');
  });

  it('configError is a PantryError with no method', () => {
    const cause = new Error('io');
    const e = configError(Code.INVALID_ARGUMENT, 'bad address', 'use host:port', cause);
    expect(e.message).toBe('[INVALID_ARGUMENT] bad address\n  hint: use host:port');
    expect([e.code, e.method, e.cause]).toEqual([Code.INVALID_ARGUMENT, '', cause]);
  });
});

describe('toPantryError', () => {
  it('keeps a PantryError as it is', () => {
    const e = new PantryError({ code: Code.NOT_FOUND, details: 'x' });
    expect(toPantryError(e, '/m', ctx)).toBe(e);
  });

  it('keeps code, details, metadata and cause of a grpc-js error and adds the hint', () => {
    const metadata = new Metadata();
    metadata.set('k', 'v');
    const se = Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), {
      code: Code.UNAVAILABLE,
      details: 'connect ECONNREFUSED 1.2.3.4:443',
      metadata,
    });
    const e = toPantryError(se, '/a.B/C', ctx);
    expect([e.code, e.details, e.method, e.cause]).toEqual([
      Code.UNAVAILABLE,
      'connect ECONNREFUSED 1.2.3.4:443',
      '/a.B/C',
      se,
    ]);
    expect(e.metadata).toBe(metadata);
    expect(e.hint).toMatch(/^nothing accepts connections at pantry\.example\.com:443/);
  });

  it('falls back to the message, then to empty details', () => {
    expect(toPantryError({ code: Code.INTERNAL, message: 'from message' }, '/m', ctx).details).toBe('from message');
    expect(toPantryError({ code: Code.INTERNAL }, '/m', ctx).details).toBe('');
  });

  it('prefers the hint for a server ErrorInfo reason over the transport hint', () => {
    const info = new BinaryWriter().uint32(10).string('REQUEST_ID_REUSED').uint32(18).string('pantry.v1').finish();
    const any = new BinaryWriter().uint32(10).string('type.googleapis.com/google.rpc.ErrorInfo').uint32(18).bytes(info);
    const md = new Metadata();
    md.set('grpc-status-details-bin', Buffer.from(new BinaryWriter().uint32(26).bytes(any.finish()).finish()));
    const e = toPantryError({ code: Code.UNKNOWN, details: 'Stream refused by server', metadata: md }, '/m', ctx);
    expect(e.hint).toMatch(/^request_id was reused with a different request body/);
  });

  it('turns a thrown non-status into INTERNAL "could not be sent"', () => {
    const cause = new TypeError('bad input');
    const e = toPantryError(cause, '/a.B/C', ctx);
    expect([e.code, e.details, e.method, e.cause]).toEqual([
      Code.INTERNAL,
      'the request could not be sent: bad input',
      '/a.B/C',
      cause,
    ]);
    expect(toPantryError('text', '/m', ctx).details).toBe('the request could not be sent: text');
    expect(toPantryError(undefined, '/m', ctx).details).toBe('the request could not be sent: undefined');
    expect(toPantryError({ code: '14' }, '/m', ctx).code).toBe(Code.INTERNAL);
  });

  it('reads a length prefix that spells an error page as the proxy failure, and nothing else', () => {
    const page = (n: number, code = Code.RESOURCE_EXHAUSTED) =>
      toPantryError({ code, details: `Received message larger than max (${n} vs 4194304)` }, '/m', ctx);
    const html = page(0x68746d6c); // "html"
    expect(html.code).toBe(Code.UNAVAILABLE);
    expect(html.details).toBe(
      'Received message larger than max (1752460652 vs 4194304) (the length prefix reads "html": the proxy sent an HTML error page, not gRPC)',
    );
    expect(page(0x3c21444f).details).toContain('reads "<!DO"'); // "<!DOCTYPE"
    expect(page(0x3c68746d).details).toContain('reads "<htm"');
    expect(page(0x48545450).details).toContain('reads "HTTP"');
    expect(page(0x2f207a5a).details).toContain('reads "/ zZ"');
    for (const n of [
      5242900,
      0x68746d31 /* "htm1" */,
      0x68746d7b /* "htm{" */,
      2 ** 32,
      0x40414243 /* "@ABC" */,
      0x5b616263 /* "[abc" */,
    ])
      expect(page(n).code, String(n)).toBe(Code.RESOURCE_EXHAUSTED);
    expect(page(0x68746d6c, Code.INTERNAL).code).toBe(Code.INTERNAL);
    expect(
      toPantryError(
        { code: Code.RESOURCE_EXHAUSTED, details: 'Received message larger than max (abc vs 1)' },
        '/m',
        ctx,
      ).code,
    ).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it('reads a stream that could not start as UNAVAILABLE only when the details begin so', () => {
    const e = toPantryError({ code: Code.INTERNAL, details: 'Failed to start HTTP/2 stream with error: x' }, '/m', ctx);
    expect([e.code, e.details]).toEqual([
      Code.UNAVAILABLE,
      'Failed to start HTTP/2 stream with error: x (the request was not sent)',
    ]);
    expect(toPantryError({ code: Code.INTERNAL, details: 'then Failed to start HTTP/2 stream' }, '/m', ctx).code).toBe(
      Code.INTERNAL,
    );
    expect(toPantryError({ code: Code.UNKNOWN, details: 'Failed to start HTTP/2 stream' }, '/m', ctx).code).toBe(
      Code.UNKNOWN,
    );
  });
});

// ErrorInfo decoding: test/unit/error-info.test.ts.
