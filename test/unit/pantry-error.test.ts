import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import {
  BadRequest,
  Code,
  ErrorInfo,
  PantryError,
  PreconditionFailure,
  ResourceInfo,
  RetryInfo,
  Status,
} from '../../src/index.js';
import { recordCall } from '../../src/errors/pantry-error.js';
import { DEFAULT_RETRY, nextRetry, pushbackMs } from '../../src/retry/policy.js';
import { Food } from '../../src/generated/pantry/v1/food.js';

const any = (type: string, value: Uint8Array) => ({
  typeUrl: `type.googleapis.com/${type}`,
  value: Buffer.from(value),
});

/** A `grpc-status-details-bin` trailer as grpc-go sends it: a google.rpc.Status with these details. */
function trailer(code: Code, message: string, details: Array<{ typeUrl: string; value: Buffer }>): Metadata {
  const md = new Metadata();
  md.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  return md;
}

const badRequest = BadRequest.encode({
  fieldViolations: [
    { field: 'food.name', description: 'must be 1 to 200 characters', reason: '', localizedMessage: undefined },
    { field: 'food.quantity', description: 'must not be negative', reason: '', localizedMessage: undefined },
  ],
}).finish();

function invalid(details: string): PantryError {
  return new PantryError({
    code: Code.INVALID_ARGUMENT,
    details,
    method: '/pantry.v1.FoodStorageService/AddFood',
    metadata: trailer(Code.INVALID_ARGUMENT, details, [any('google.rpc.BadRequest', badRequest)]),
  });
}

describe('PantryError status details', () => {
  it('decodes grpc-status-details-bin: typed details by findDetails, every detail in statusDetails', () => {
    const md = trailer(Code.FAILED_PRECONDITION, 'refused', [
      any(
        'google.rpc.ErrorInfo',
        ErrorInfo.encode({ reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: { request_id: 'r1' } }).finish(),
      ),
      any(
        'google.rpc.PreconditionFailure',
        PreconditionFailure.encode({
          violations: [{ type: 'REQUEST_ID', subject: 'r1', description: 'use a new one' }],
        }).finish(),
      ),
      any('acme.v1.Unknown', new Uint8Array([8, 1])),
    ]);
    const err = new PantryError({ code: Code.FAILED_PRECONDITION, details: 'refused', metadata: md });
    expect(err.statusDetails.map((d) => d.type)).toEqual([
      'google.rpc.ErrorInfo',
      'google.rpc.PreconditionFailure',
      'acme.v1.Unknown',
    ]);
    expect([...err.statusDetails[2].value]).toEqual([8, 1]);
    expect(err.statusDetails[2].message).toBeUndefined();
    expect(err.statusDetails[0].message).toEqual(err.findDetails(ErrorInfo)[0]);
    expect(err.reason).toBe('REQUEST_ID_REUSED');
    expect(err.findDetails(ErrorInfo)).toEqual([
      { reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: { request_id: 'r1' } },
    ]);
    expect(err.findDetails(PreconditionFailure)[0].violations[0].subject).toBe('r1');
    expect(err.findDetails(BadRequest)).toEqual([]);
    // A message type of one's own: its codec and full name.
    expect(err.findDetails(Food, 'acme.v1.Unknown')).toHaveLength(1);
    expect(err.findDetails(Food)).toEqual([]);
  });

  it('has no details, and no reason, without the trailer or with bytes that do not parse', () => {
    expect(new PantryError({ code: Code.INTERNAL, details: 'x' }).statusDetails).toEqual([]);
    const md = new Metadata();
    md.set('grpc-status-details-bin', Buffer.from([26, 200]));
    const err = new PantryError({ code: Code.INTERNAL, details: 'x', metadata: md });
    expect(err.statusDetails).toEqual([]);
    expect(err.reason).toBeUndefined();
  });

  it('lists the BadRequest field violations in the message, once', () => {
    // The server's message already names them: not repeated.
    const named = invalid('food.name: must be 1 to 200 characters; food.quantity: must not be negative');
    expect(named.message).toBe(
      '[INVALID_ARGUMENT] pantry.v1.FoodStorageService/AddFood: food.name: must be 1 to 200 characters; food.quantity: must not be negative',
    );
    // A terse message: the violations are added.
    const terse = invalid('invalid request');
    expect(terse.message).toBe(
      '[INVALID_ARGUMENT] pantry.v1.FoodStorageService/AddFood: invalid request; food.name: must be 1 to 200 characters; food.quantity: must not be negative',
    );
    expect(terse.details).toBe('invalid request');
    expect(terse.findDetails(BadRequest)[0].fieldViolations.map((v) => v.field)).toEqual([
      'food.name',
      'food.quantity',
    ]);
  });

  it('has read-only fields; the SDK records the attempts and time through recordCall', () => {
    const err = invalid('bad');
    for (const key of ['code', 'details', 'method', 'attempts', 'elapsedMs', 'metadata', 'statusDetails', 'codeName'])
      expect(() => {
        (err as unknown as Record<string, unknown>)[key] = 1;
      }, key).toThrow(TypeError);
    expect(() => (err.statusDetails as unknown[]).push(1)).toThrow(TypeError);
    recordCall(err, { attempts: 3, elapsedMs: 42 });
    expect([err.attempts, err.elapsedMs, err.code]).toEqual([3, 42, Code.INVALID_ARGUMENT]);
  });
});

describe('PantryError.is and instanceof across copies of the package', () => {
  it('recognises an error made by another module instance of the class', async () => {
    vi.resetModules();
    const other = (await import(
      '../../src/errors/pantry-error.js'
    )) as typeof import('../../src/errors/pantry-error.js');
    expect(other.PantryError).not.toBe(PantryError);
    const foreign = new other.PantryError({ code: Code.NOT_FOUND, details: 'no food' });
    // Without the brand, a second copy's class would not match: the prototype chains differ.
    expect(Object.getPrototypeOf(foreign)).not.toBe(PantryError.prototype);
    expect(PantryError.is(foreign)).toBe(true);
    expect(foreign instanceof PantryError).toBe(true);
    expect(other.PantryError.is(new PantryError({ code: Code.NOT_FOUND, details: 'x' }))).toBe(true);
    expect(PantryError.from(foreign)).toBe(foreign);
    for (const v of [new Error('x'), { code: 5, details: 'x' }, null, 'PantryError', undefined]) {
      expect(PantryError.is(v)).toBe(false);
      expect(v instanceof PantryError).toBe(false);
    }
  });

  it('keeps the ordinary instanceof for a subclass', () => {
    class Sub extends PantryError {}
    expect(new Sub({ code: Code.INTERNAL, details: 'x' }) instanceof Sub).toBe(true);
    expect(new PantryError({ code: Code.INTERNAL, details: 'x' }) instanceof Sub).toBe(false);
  });
});

describe('PantryError.from', () => {
  it('turns a grpc-js ServiceError into its status, details decoded', () => {
    const se = Object.assign(new Error('3 INVALID_ARGUMENT: invalid request'), {
      code: Code.INVALID_ARGUMENT,
      details: 'invalid request',
      metadata: trailer(Code.INVALID_ARGUMENT, 'invalid request', [any('google.rpc.BadRequest', badRequest)]),
    });
    const err = PantryError.from(se);
    expect([err.code, err.details, err.cause]).toEqual([Code.INVALID_ARGUMENT, 'invalid request', se]);
    expect(err.findDetails(BadRequest)[0].fieldViolations).toHaveLength(2);
    expect(err.message).toContain('food.name: must be 1 to 200 characters');
  });

  it('maps aborts, timeouts and anything else', () => {
    expect(PantryError.from(new DOMException('stop', 'AbortError')).code).toBe(Code.CANCELLED);
    expect(PantryError.from(new DOMException('late', 'TimeoutError')).code).toBe(Code.DEADLINE_EXCEEDED);
    const boom = new TypeError('boom');
    expect(PantryError.from(boom)).toMatchObject({ code: Code.UNKNOWN, details: 'boom', cause: boom });
    expect(PantryError.from('text')).toMatchObject({ code: Code.UNKNOWN, details: 'text' });
    expect(PantryError.from({ code: 99 }).code).toBe(Code.UNKNOWN);
  });
});

describe('RetryInfo is honoured like pushback', () => {
  const retryInfo = (seconds: number, nanos: number) => RetryInfo.encode({ retryDelay: { seconds, nanos } }).finish();
  const exhausted = (details: Array<{ typeUrl: string; value: Buffer }>, pushback?: string) => {
    const md = trailer(Code.RESOURCE_EXHAUSTED, 'busy', details);
    if (pushback !== undefined) md.set('grpc-retry-pushback-ms', pushback);
    return new PantryError({ code: Code.RESOURCE_EXHAUSTED, details: 'busy', metadata: md });
  };
  const decide = (error: PantryError) =>
    nextRetry({ error, attempt: 1, policy: DEFAULT_RETRY, deadline: Infinity, now: 0, throttleAllows: true });

  it('retries RESOURCE_EXHAUSTED after retry_delay (rounded up to whole ms) when there is no pushback trailer', () => {
    const err = exhausted([any('google.rpc.RetryInfo', retryInfo(1, 250_000_001))]);
    expect(pushbackMs(err)).toBe(1251);
    expect(decide(err)).toEqual({ retry: true, delayMs: 1251 });
    expect(decide(exhausted([]))).toMatchObject({ retry: false });
  });

  it('lets grpc-retry-pushback-ms win, and stops on a negative retry_delay', () => {
    expect(decide(exhausted([any('google.rpc.RetryInfo', retryInfo(5, 0))], '40'))).toEqual({
      retry: true,
      delayMs: 40,
    });
    expect(decide(exhausted([any('google.rpc.RetryInfo', retryInfo(-1, 0))]))).toEqual({
      retry: false,
      reason: 'server pushback says stop',
    });
  });

  it('is held to the deadline like pushback', () => {
    const err = exhausted([any('google.rpc.RetryInfo', retryInfo(10, 0))]);
    expect(
      nextRetry({ error: err, attempt: 1, policy: DEFAULT_RETRY, deadline: 5000, now: 0, throttleAllows: true }),
    ).toMatchObject({ retry: false });
  });
});

describe('ResourceInfo', () => {
  it('is found by its type', () => {
    const md = trailer(Code.NOT_FOUND, 'no food', [
      any(
        'google.rpc.ResourceInfo',
        ResourceInfo.encode({
          resourceType: 'pantry.v1.Food',
          resourceName: 'food-1',
          owner: '',
          description: 'gone',
        }).finish(),
      ),
    ]);
    const err = new PantryError({ code: Code.NOT_FOUND, details: 'no food', metadata: md });
    expect(err.findDetails(ResourceInfo)[0]).toMatchObject({ resourceType: 'pantry.v1.Food', resourceName: 'food-1' });
  });
});

describe('PantryError: the brand, from() edges, recordCall and the message', () => {
  const brand = Symbol.for('@pantry/client.PantryError');

  it("brands PantryErrors with Symbol.for('@pantry/client.PantryError'), the key every copy and version shares", () => {
    expect((PantryError.prototype as unknown as Record<symbol, unknown>)[brand]).toBe(true);
    // What a PantryError of another build of the package carries: only the brand under that key.
    const other = Object.assign(Object.create(Error.prototype), { [brand]: true });
    expect(PantryError.is(other)).toBe(true);
    expect(other instanceof PantryError).toBe(true);
    expect(PantryError.is({ [Symbol.for('')]: true })).toBe(false);
    expect(PantryError.is({ [brand]: 'true' })).toBe(false);
  });

  it('takes a numeric code 0 to 16 as the status, anything else as UNKNOWN', () => {
    const ok = PantryError.from({ code: 0, details: 'fine' });
    expect([ok.code, ok.codeName, ok.details, ok.message]).toEqual([Code.OK, 'OK', 'fine', '[OK] fine']);
    const unauth = PantryError.from({ code: 16, details: 'no token' });
    expect([unauth.code, unauth.message]).toEqual([Code.UNAUTHENTICATED, '[UNAUTHENTICATED] no token']);
    for (const code of [17, -1, 1.5, '5', Number.NaN]) {
      const value = { code, details: 'd', message: 'm' };
      const err = PantryError.from(value);
      expect([err.code, err.details, err.message, err.cause], String(code)).toEqual([
        Code.UNKNOWN,
        '[object Object]',
        '[UNKNOWN] [object Object]',
        value,
      ]);
    }
  });

  it("takes a status's details, else its message, else empty details", () => {
    expect(PantryError.from({ code: Code.INTERNAL, details: 'd', message: 'm' }).details).toBe('d');
    expect(PantryError.from({ code: Code.INTERNAL, message: 'm' }).details).toBe('m');
    const bare = PantryError.from({ code: Code.INTERNAL, details: 7 });
    expect([bare.details, bare.message]).toEqual(['', '[INTERNAL] ']);
    // Metadata only when it is call metadata.
    expect(PantryError.from({ code: Code.INTERNAL, metadata: { k: 'v' } }).metadata.getMap()).toEqual({});
  });

  it('has read-only reason and hint too', () => {
    const md = trailer(Code.ABORTED, 'x', [
      any('google.rpc.ErrorInfo', ErrorInfo.encode({ reason: 'R', domain: 'd', metadata: {} }).finish()),
    ]);
    const err = new PantryError({ code: Code.ABORTED, details: 'x', metadata: md, hint: 'h' });
    expect([err.reason, err.hint]).toEqual(['R', 'h']);
    for (const key of ['reason', 'hint'])
      expect(() => {
        (err as unknown as Record<string, unknown>)[key] = 'y';
      }, key).toThrow(TypeError);
  });

  it('recordCall sets only the facts given, keeps them read-only, and may record again', () => {
    const err = new PantryError({ code: Code.UNAVAILABLE, details: 'down', attempts: 1, elapsedMs: 5 });
    expect(recordCall(err, { attempts: undefined, elapsedMs: 20 })).toBe(err);
    expect([err.attempts, err.elapsedMs]).toEqual([1, 20]);
    recordCall(err, { attempts: 2 });
    expect([err.attempts, err.elapsedMs]).toEqual([2, 20]);
    recordCall(err, { attempts: 3, elapsedMs: 40 });
    expect([err.attempts, err.elapsedMs]).toEqual([3, 40]);
    for (const key of ['attempts', 'elapsedMs'])
      expect(() => {
        (err as unknown as Record<string, unknown>)[key] = 0;
      }, key).toThrow(TypeError);
  });

  it('lists each field violation once, without a separator before them when the details are empty', () => {
    const twice = BadRequest.encode({
      fieldViolations: [
        { field: 'food.name', description: 'is empty', reason: '', localizedMessage: undefined },
        { field: 'food.name', description: 'is empty', reason: '', localizedMessage: undefined },
        { field: 'food.unit', description: 'is too long', reason: '', localizedMessage: undefined },
      ],
    }).finish();
    const err = new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: '',
      method: '/pantry.v1.FoodStorageService/AddFood',
      metadata: trailer(Code.INVALID_ARGUMENT, '', [any('google.rpc.BadRequest', twice)]),
    });
    expect(err.message).toBe(
      '[INVALID_ARGUMENT] pantry.v1.FoodStorageService/AddFood: food.name: is empty; food.unit: is too long',
    );
    expect(err.details).toBe('');
  });
});
