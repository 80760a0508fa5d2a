import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/errors/code.js';
import { toPantryError } from '../../src/errors/grpc-status.js';

const ctx = { address: 'localhost:8443', insecure: false };

describe('toPantryError', () => {
  it('reads a stream that could not be opened as UNAVAILABLE: nothing was sent, the SDK may retry it', () => {
    // grpc-js reports this as INTERNAL; with grpc.enable_retries 0 it no longer retries it itself.
    const e = toPantryError(
      {
        code: Code.INTERNAL,
        details: 'Failed to start HTTP/2 stream with error: session closed',
        metadata: new Metadata(),
      },
      '/x/Y',
      ctx,
    );
    expect(e.codeName).toBe('UNAVAILABLE');
    expect(e.details).toMatch(/not sent/);
    expect(
      toPantryError({ code: Code.INTERNAL, details: 'boom', metadata: new Metadata() }, '/x/Y', ctx).codeName,
    ).toBe('INTERNAL');
  });
});

describe('toPantryError: a length prefix that spells an error page', () => {
  it('is read only from a 32-bit length, whose low bytes alone would spell "html"', () => {
    const page = (n: number) =>
      toPantryError(
        { code: Code.RESOURCE_EXHAUSTED, details: `Received message larger than max (${n} vs 4194304)` },
        '/m',
        ctx,
      );
    expect(page(0x68746d6c).code).toBe(Code.UNAVAILABLE);
    const wide = page(2 ** 32 + 0x68746d6c);
    expect([wide.code, wide.details]).toEqual([
      Code.RESOURCE_EXHAUSTED,
      'Received message larger than max (6047427948 vs 4194304)',
    ]);
  });
});
