import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, composeInterceptors, PantryError, type CallOptions, type CallRequest } from '../../src/index.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { serviceClient } from '../../src/client/service-client.js';
import { Tracer } from '../../src/observability/tracer.js';

const tracer = new Tracer({ trace: '' }, {});
const sent: CallRequest[] = [];
const client = serviceClient(
  FoodStorageServiceDefinition,
  composeInterceptors(
    [
      deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
      retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer),
    ],
    async (req) => {
      sent.push(req);
      return { kind: 'unary' as const, message: {}, header: new Metadata() };
    },
  ),
);

// Every per-call option, of a wrong type or out of range: refused before anything is sent, naming the option.
const bad: Array<[string, unknown, RegExp]> = [
  [
    'deadlineMs as a string',
    { deadlineMs: '300' },
    /call option deadlineMs must be a positive number of milliseconds, got "300"/,
  ],
  ['a negative deadlineMs', { deadlineMs: -1 }, /call option deadlineMs must be a positive number/],
  ['a NaN deadlineMs', { deadlineMs: NaN }, /call option deadlineMs .* got NaN/],
  [
    'an invalid Date as deadline',
    { deadline: new Date('nope') },
    /call option deadline must be a valid Date or epoch milliseconds, got an invalid Date/,
  ],
  ['deadline as a string', { deadline: '2030-01-01' }, /call option deadline .* got "2030-01-01"/],
  [
    'a signal that is not an AbortSignal',
    { signal: { aborted: false } },
    /call option signal must be an AbortSignal, got object/,
  ],
  ['metadata as a string', { metadata: 'x-a: 1' }, /call option metadata must be a Metadata or a plain object/],
  [
    'a metadata value that is a number',
    { metadata: { 'x-count': 3 } },
    /call option metadata "x-count" must be a string, got 3/,
  ],
  [
    'a -bin metadata value that is a string',
    { metadata: { 'trace-bin': 'abc' } },
    /call option metadata "trace-bin" must be a Buffer/,
  ],
  ['retry: true', { retry: true }, /call option retry must be false or an object of retry settings, got true/],
  ['a misspelt retry setting', { retry: { maxAttempt: 2 } }, /call option retry: unknown retry setting "maxAttempt"/],
  [
    'a retry setting out of range',
    { retry: { maxAttempts: 99 } },
    /call option retry\.maxAttempts: must be an integer from 1 to 10, got 99/,
  ],
  [
    'assumeIdempotent as a string',
    { retry: { assumeIdempotent: 'yes' } },
    /call option retry\.assumeIdempotent: must be a boolean/,
  ],
  ['onHeader that is not a function', { onHeader: 'log' }, /call option onHeader must be a function, got "log"/],
  ['onTrailer that is not a function', { onTrailer: {} }, /call option onTrailer must be a function, got object/],
  ['an unknown option', { timeout: 300 }, /unknown call option "timeout"/],
  ['an inherited name as an option', JSON.parse('{"constructor": 1}'), /unknown call option "constructor"/],
  ['options that are an array', [], /call options must be an object, got an array/],
  ['options that are null', null, /call options must be an object, got null/],
];

describe('call option check', () => {
  it.each(bad)('refuses %s', async (_name, options, message) => {
    const before = sent.length;
    const err = (await client.getFood({ id: 'food-1' }, options as CallOptions).catch((e) => e)) as PantryError;
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.method).toBe('/pantry.v1.FoodStorageService/GetFood');
    expect(err.message).toMatch(message);
    expect(sent.length).toBe(before); // nothing was sent
    // Streams check the same way.
    const streamErr = await client
      .watchExpiringFoods({}, options as CallOptions)
      [Symbol.asyncIterator]()
      .next()
      .catch((e) => e);
    expect(streamErr.message).toMatch(message);
  });

  it('lists the known options when one is unknown', async () => {
    const err = await client.getFood({ id: 'food-1' }, { deadline_ms: 5 } as CallOptions).catch((e) => e);
    expect(err.hint).toMatch(
      /known call options: deadlineMs, deadline, signal, metadata, retry, hedging, onHeader, onTrailer/,
    );
  });

  it('accepts every option in range, and a deadlineMs of 300 stays 300 ms', async () => {
    const t0 = Date.now();
    await client.getFood(
      { id: 'food-1' },
      {
        deadlineMs: 300,
        signal: new AbortController().signal,
        metadata: { 'x-a': '1', 'x-b-bin': Buffer.from([1]) },
        retry: { maxAttempts: 2 },
        onHeader: () => {},
        onTrailer: () => {},
      },
    );
    expect(sent.at(-1)!.deadline - t0).toBeGreaterThanOrEqual(299);
    expect(sent.at(-1)!.deadline - t0).toBeLessThan(400);
    await client.getFood(
      { id: 'food-1' },
      { deadline: new Date(Date.now() + 1000), metadata: new Metadata(), retry: false },
    );
    await client.getFood({ id: 'food-1' }, { deadline: Date.now() + 1000, deadlineMs: Infinity });
  });
});
