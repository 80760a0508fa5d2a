import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  detailTypeName,
  findDetailsIn,
  retryInfoDelayMs,
  type StatusDetail,
  statusDetailsOf,
} from '../../src/errors/status-details.js';
import {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../../src/generated/google/rpc/error_details.js';
import { Status } from '../../src/generated/google/rpc/status.js';
import { Food } from '../../src/generated/pantry/v1/food.js';

// errors/status-details.ts: the google.rpc.Status trailer decoded into its details, every known
// google.rpc type by its full name, typed look-ups (own codecs too), and RetryInfo's delay.

const any = (type: string, value: Uint8Array) => ({ typeUrl: `type.googleapis.com/${type}`, value });

/** A `grpc-status-details-bin` trailer with these details. */
function trailer(details: Array<{ typeUrl: string; value: Uint8Array }>): Metadata {
  const md = new Metadata();
  md.set('grpc-status-details-bin', Buffer.from(Status.encode({ code: 9, message: 'refused', details }).finish()));
  return md;
}

const quota = QuotaFailure.fromPartial({ violations: [{ subject: 'project:p1', description: 'daily limit reached' }] });
const help = Help.fromPartial({ links: [{ description: 'limits', url: 'https://example.com/limits' }] });
const localized = LocalizedMessage.fromPartial({ locale: 'de-DE', message: 'Zu viele Anfragen' });
// A string field whose length runs past the end: no google.rpc message decodes from it.
const truncated = new Uint8Array([10, 5, 65]);

describe('detailTypeName', () => {
  it('names every google.rpc error detail type by its full name', () => {
    expect(
      [
        ErrorInfo,
        RetryInfo,
        DebugInfo,
        QuotaFailure,
        PreconditionFailure,
        BadRequest,
        RequestInfo,
        ResourceInfo,
        Help,
        LocalizedMessage,
      ].map((t) => detailTypeName(t as never)),
    ).toEqual([
      'google.rpc.ErrorInfo',
      'google.rpc.RetryInfo',
      'google.rpc.DebugInfo',
      'google.rpc.QuotaFailure',
      'google.rpc.PreconditionFailure',
      'google.rpc.BadRequest',
      'google.rpc.RequestInfo',
      'google.rpc.ResourceInfo',
      'google.rpc.Help',
      'google.rpc.LocalizedMessage',
    ]);
    expect(detailTypeName(Food as never)).toBeUndefined();
  });
});

describe('statusDetailsOf', () => {
  it('decodes QuotaFailure, Help and LocalizedMessage details by their type URL', () => {
    const details = statusDetailsOf(
      trailer([
        any('google.rpc.QuotaFailure', QuotaFailure.encode(quota).finish()),
        any('google.rpc.Help', Help.encode(help).finish()),
        any('google.rpc.LocalizedMessage', LocalizedMessage.encode(localized).finish()),
      ]),
    );
    expect(details.map((d) => [d.type, d.message])).toEqual([
      ['google.rpc.QuotaFailure', quota],
      ['google.rpc.Help', help],
      ['google.rpc.LocalizedMessage', localized],
    ]);
    expect(findDetailsIn(details, QuotaFailure)).toEqual([quota]);
    expect(findDetailsIn(details, Help)).toEqual([help]);
    expect(findDetailsIn(details, LocalizedMessage)).toEqual([localized]);
  });

  it('has no message key for a type it does not know, or for a known type whose bytes do not decode', () => {
    const details = statusDetailsOf(
      trailer([any('acme.v1.Unknown', new Uint8Array([8, 1])), any('google.rpc.ErrorInfo', truncated)]),
    );
    expect(details).toHaveLength(2);
    for (const d of details) expect(Object.keys(d)).toEqual(['type', 'value']);
    expect(details.map((d) => [d.type, [...d.value]])).toEqual([
      ['acme.v1.Unknown', [8, 1]],
      ['google.rpc.ErrorInfo', [10, 5, 65]],
    ]);
    expect(Object.isFrozen(details[0])).toBe(true);
  });
});

describe('findDetailsIn', () => {
  const errorInfo = ErrorInfo.fromPartial({ reason: 'QUOTA', domain: 'pantry.v1' });
  const details = statusDetailsOf(
    trailer([
      any('google.rpc.ErrorInfo', ErrorInfo.encode(errorInfo).finish()),
      any('acme.v1.Food', Food.encode(Food.fromPartial({ id: 'f1', name: 'rice' })).finish()),
    ]),
  );

  it('decodes a detail of a type of your own with your codec', () => {
    const [food] = findDetailsIn(details, Food, 'acme.v1.Food');
    expect([food.id, food.name]).toEqual(['f1', 'rice']);
    expect(findDetailsIn(details, Food)).toEqual([]);
  });

  it('decodes with the codec given, not the known one, when another codec names a google.rpc type', () => {
    expect(details[0].message).toEqual(errorInfo);
    // ErrorInfo's reason (field 1) read as Food's id (field 1): the codec given decides.
    const [asFood] = findDetailsIn(details, Food, 'google.rpc.ErrorInfo');
    expect([asFood.id, asFood.name]).toEqual(['QUOTA', 'pantry.v1']);
    expect(findDetailsIn(details, ErrorInfo)).toEqual([errorInfo]);
  });

  it('leaves out a known detail whose bytes do not decode', () => {
    const bad = statusDetailsOf(trailer([any('google.rpc.ErrorInfo', truncated)]));
    expect(findDetailsIn(bad, ErrorInfo)).toEqual([]);
  });
});

describe('retryInfoDelayMs', () => {
  const delay = (seconds: number, nanos: number): StatusDetail[] => [
    { type: 'google.rpc.RetryInfo', value: new Uint8Array(), message: { retryDelay: { seconds, nanos } } },
  ];

  it('is the delay in whole milliseconds, rounded up, from 0 to 999 999 999', () => {
    expect(retryInfoDelayMs(delay(0, 0))).toBe(0);
    expect(retryInfoDelayMs(delay(0, 1))).toBe(1);
    expect(retryInfoDelayMs(delay(2, 500_000_000))).toBe(2500);
    expect(retryInfoDelayMs(delay(999_999, 999_000_000))).toBe(999_999_999);
  });

  it("is 'stop' for a negative delay, one above 999 999 999 ms, or one that is not finite", () => {
    expect(retryInfoDelayMs(delay(-1, 0))).toBe('stop');
    expect(retryInfoDelayMs(delay(0, -1_000_000))).toBe('stop');
    expect(retryInfoDelayMs(delay(1_000_000, 0))).toBe('stop');
    expect(retryInfoDelayMs(delay(999_999, 999_000_001))).toBe('stop');
    expect(retryInfoDelayMs(delay(Number.POSITIVE_INFINITY, 0))).toBe('stop');
    expect(retryInfoDelayMs(delay(Number.NaN, 0))).toBe('stop');
  });

  it('is undefined without a RetryInfo detail or without its delay', () => {
    expect(retryInfoDelayMs([])).toBeUndefined();
    expect(
      retryInfoDelayMs([{ type: 'google.rpc.RetryInfo', value: new Uint8Array(), message: { retryDelay: undefined } }]),
    ).toBeUndefined();
  });
});
