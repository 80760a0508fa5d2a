import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { DEFAULT_RETRY, isRetrySafe, nextRetry, pushbackMs, resolveRetryPolicy } from '../../src/retry/policy.js';
import { chargeThrottle, retryAfterFirstFailure } from '../../src/retry/run.js';
import { RetryThrottle } from '../../src/retry/throttle.js';

// The retry rules as exact examples (gRFC A6): the backoff bound per attempt, the validation of
// every setting with the message it gives, the reasons a call stops, and the throttle's arithmetic.
// retry-properties.test.ts checks the same code with random inputs; these pin the numbers.

function failure(code: Code, pushback?: string, details = 'failed'): PantryError {
  const metadata = new Metadata();
  if (pushback !== undefined) metadata.set('grpc-retry-pushback-ms', pushback);
  return new PantryError({ code, details, metadata });
}

const policy = { ...DEFAULT_RETRY, maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 3 };
const decide = (attempt: number, random: number, over: Partial<Parameters<typeof nextRetry>[0]> = {}) =>
  nextRetry({
    error: failure(Code.UNAVAILABLE),
    attempt,
    policy,
    deadline: Infinity,
    now: 0,
    throttleAllows: true,
    random: () => random,
    ...over,
  });

describe('nextRetry: full-jitter backoff', () => {
  it('draws the delay up to initialBackoffMs · multiplier^(attempt-1), capped at maxBackoffMs', () => {
    // random() just below 1 gives the bound itself (rounded); 0.5 gives half of it.
    expect(decide(1, 0.999999)).toEqual({ retry: true, delayMs: 100 });
    expect(decide(2, 0.999999)).toEqual({ retry: true, delayMs: 300 });
    expect(decide(3, 0.999999)).toEqual({ retry: true, delayMs: 900 });
    expect(decide(4, 0.999999)).toEqual({ retry: true, delayMs: 1000 }); // 2700 capped
    expect(decide(2, 0.5)).toEqual({ retry: true, delayMs: 150 });
    expect(decide(2, 0)).toEqual({ retry: true, delayMs: 0 });
  });

  it('uses Math.random when no random source is given, within the bound', () => {
    for (let i = 0; i < 50; i++) {
      const d = nextRetry({
        error: failure(Code.UNAVAILABLE),
        attempt: 2,
        policy,
        deadline: Infinity,
        now: 0,
        throttleAllows: true,
      });
      expect(d.retry).toBe(true);
      if (d.retry) expect(d.delayMs).toBeGreaterThanOrEqual(0);
      if (d.retry) expect(d.delayMs).toBeLessThanOrEqual(300);
    }
  });

  it('waits the server pushback instead of the jitter, and retries RESOURCE_EXHAUSTED only with pushback', () => {
    expect(decide(1, 0.5, { error: failure(Code.UNAVAILABLE, '250') })).toEqual({ retry: true, delayMs: 250 });
    expect(decide(1, 0.5, { error: failure(Code.RESOURCE_EXHAUSTED, '40') })).toEqual({ retry: true, delayMs: 40 });
    expect(decide(1, 0.5, { error: failure(Code.RESOURCE_EXHAUSTED) })).toEqual({
      retry: false,
      reason: 'RESOURCE_EXHAUSTED is not retryable',
    });
    expect(decide(1, 0.5, { error: failure(Code.UNAVAILABLE, '-1') })).toEqual({
      retry: false,
      reason: 'server pushback says stop',
    });
  });

  it('stops a backoff that would reach the deadline, and allows one that ends before it', () => {
    expect(decide(2, 0.5, { now: 1000, deadline: 1150 })).toEqual({
      retry: false,
      reason: 'the next backoff (150 ms) would pass the deadline',
    });
    expect(decide(2, 0.5, { now: 1000, deadline: 1151 })).toEqual({ retry: true, delayMs: 150 });
  });

  it('gives the reason for each stop', () => {
    expect(decide(1, 0.5, { error: new Error('boom') })).toEqual({ retry: false, reason: 'not a gRPC status' });
    expect(decide(1, 0.5, { error: failure(Code.NOT_FOUND) })).toEqual({
      retry: false,
      reason: 'NOT_FOUND is not retryable',
    });
    expect(decide(10, 0.5)).toEqual({ retry: false, reason: '10 attempts made' });
    expect(decide(9, 0.5)).toMatchObject({ retry: true });
    expect(decide(2, 0.5, { throttleAllows: false })).toEqual({
      retry: false,
      reason: 'retry throttle engaged (too many recent failures)',
    });
  });

  it('retries a refused first attempt at once, even with the throttle engaged; a later refusal waits', () => {
    const refused = failure(Code.UNAVAILABLE, undefined, 'Stream refused by server');
    expect(decide(1, 0.9, { error: refused, throttleAllows: false })).toEqual({ retry: true, delayMs: 0 });
    expect(decide(2, 0.5, { error: refused })).toEqual({ retry: true, delayMs: 150 });
    expect(decide(2, 0.5, { error: refused, throttleAllows: false })).toMatchObject({ retry: false });
    // Only UNAVAILABLE is a refused stream: another retryable code with the same text meets the throttle.
    const internal = failure(Code.INTERNAL, undefined, 'Stream refused by server');
    const withInternal = { ...policy, retryableCodes: [Code.UNAVAILABLE, Code.INTERNAL] };
    expect(decide(1, 0.5, { error: internal, policy: withInternal, throttleAllows: false })).toMatchObject({
      retry: false,
    });
  });
});

describe('pushbackMs', () => {
  it.each([
    [undefined, undefined],
    ['0', 0],
    ['1500', 1500],
    ['999999999', 999999999],
    ['1000000000', 'stop'],
    ['-5', 'stop'],
    ['12ms', 'stop'],
    [' 12', 'stop'],
    ['', 'stop'],
  ])('reads %j as %j', (raw, want) => {
    expect(pushbackMs(failure(Code.UNAVAILABLE, raw))).toBe(want);
  });
});

describe('isRetrySafe', () => {
  const m = (idempotency: string, hasRequestId: boolean) => ({ idempotency, hasRequestId }) as never;
  it('is true for marked methods or a request_id, false otherwise', () => {
    expect(isRetrySafe(m('NO_SIDE_EFFECTS', false))).toBe(true);
    expect(isRetrySafe(m('IDEMPOTENT', false))).toBe(true);
    expect(isRetrySafe(m('IDEMPOTENCY_UNKNOWN', true))).toBe(true);
    expect(isRetrySafe(m('IDEMPOTENCY_UNKNOWN', false))).toBe(false);
  });
});

describe('resolveRetryPolicy', () => {
  const resolve = (options: unknown) => resolveRetryPolicy(options as never, DEFAULT_RETRY, 'option retry', '/m/M');
  const details = (options: unknown) => {
    try {
      resolve(options);
    } catch (err) {
      expect(err).toBeInstanceOf(PantryError);
      expect((err as PantryError).code).toBe(Code.INVALID_ARGUMENT);
      expect((err as PantryError).method).toBe('/m/M');
      return (err as PantryError).details;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  };

  it('has the documented defaults', () => {
    expect(DEFAULT_RETRY).toEqual({
      maxAttempts: 4,
      initialBackoffMs: 100,
      maxBackoffMs: 2000,
      backoffMultiplier: 2,
      retryableCodes: [Code.UNAVAILABLE],
      assumeIdempotent: false,
    });
    expect(Object.isFrozen(DEFAULT_RETRY)).toBe(true);
  });

  it('keeps the base for undefined, makes one attempt for false, merges the rest', () => {
    expect(resolve(undefined)).toBe(DEFAULT_RETRY);
    expect(resolve(false)).toEqual({ ...DEFAULT_RETRY, maxAttempts: 1 });
    expect(resolve({ maxAttempts: 2, initialBackoffMs: undefined })).toEqual({ ...DEFAULT_RETRY, maxAttempts: 2 });
  });

  it('accepts the edges of every range', () => {
    expect(resolve({ maxAttempts: 1 }).maxAttempts).toBe(1);
    expect(resolve({ maxAttempts: 10 }).maxAttempts).toBe(10);
    expect(resolve({ initialBackoffMs: 0 }).initialBackoffMs).toBe(0);
    expect(resolve({ initialBackoffMs: 50, maxBackoffMs: 50 }).maxBackoffMs).toBe(50);
    expect(resolve({ backoffMultiplier: 1 }).backoffMultiplier).toBe(1);
    expect(resolve({ retryableCodes: [1, 16] }).retryableCodes).toEqual([1, 16]);
    expect(resolve({ retryableCodes: [] }).retryableCodes).toEqual([]);
    expect(resolve({ assumeIdempotent: true }).assumeIdempotent).toBe(true);
  });

  it('refuses what is not an object of settings, saying what it got', () => {
    expect(details(null)).toBe('option retry must be false or an object of retry settings, got null');
    expect(details([])).toBe('option retry must be false or an object of retry settings, got an array');
    expect(details(true)).toBe('option retry must be false or an object of retry settings, got true');
    expect(details(3)).toBe('option retry must be false or an object of retry settings, got 3');
  });

  it('refuses an unknown setting and lists the known ones', () => {
    expect(details({ maxRetries: 3 })).toBe('option retry: unknown retry setting "maxRetries"');
    try {
      resolve({ maxRetries: 3 });
    } catch (err) {
      expect((err as PantryError).hint).toBe(
        'known retry settings: maxAttempts, initialBackoffMs, maxBackoffMs, backoffMultiplier, retryableCodes, assumeIdempotent',
      );
    }
  });

  it.each([
    [{ maxAttempts: 0 }, 'option retry.maxAttempts: must be an integer from 1 to 10, got 0'],
    [{ maxAttempts: 11 }, 'option retry.maxAttempts: must be an integer from 1 to 10, got 11'],
    [{ maxAttempts: 2.5 }, 'option retry.maxAttempts: must be an integer from 1 to 10, got 2.5'],
    [{ initialBackoffMs: -1 }, 'option retry.initialBackoffMs: must be a non-negative number, got -1'],
    [
      { initialBackoffMs: Infinity, maxBackoffMs: Infinity },
      'option retry.initialBackoffMs: must be a non-negative number, got null',
    ],
    [{ initialBackoffMs: Number.NaN }, 'option retry.initialBackoffMs: must be a non-negative number, got null'],
    [
      { initialBackoffMs: 60, maxBackoffMs: 59 },
      'option retry.maxBackoffMs: must be a number at least initialBackoffMs, got 59',
    ],
    [{ maxBackoffMs: Infinity }, 'option retry.maxBackoffMs: must be a number at least initialBackoffMs, got null'],
    [{ backoffMultiplier: 0.99 }, 'option retry.backoffMultiplier: must be a number at least 1, got 0.99'],
    [{ backoffMultiplier: Infinity }, 'option retry.backoffMultiplier: must be a number at least 1, got null'],
    [{ retryableCodes: [0] }, 'option retry.retryableCodes: must be a list of status codes, got [0]'],
    [{ retryableCodes: [17] }, 'option retry.retryableCodes: must be a list of status codes, got [17]'],
    [{ retryableCodes: [14, 1.5] }, 'option retry.retryableCodes: must be a list of status codes, got [14,1.5]'],
    [{ retryableCodes: 14 }, 'option retry.retryableCodes: must be a list of status codes, got 14'],
    [{ assumeIdempotent: 'yes' }, 'option retry.assumeIdempotent: must be a boolean, got "yes"'],
  ])('refuses %j', (options, want) => {
    expect(details(options)).toBe(want);
  });
});

describe('RetryThrottle', () => {
  it('allows retries while more than half the tokens remain, and refills tokenRatio per success', () => {
    const t = new RetryThrottle({ maxTokens: 4, tokenRatio: 0.5 });
    expect([t.available, t.full, t.allowsRetry()]).toEqual([4, true, true]);
    t.onFailure();
    expect([t.available, t.full, t.allowsRetry()]).toEqual([3, false, true]);
    t.onFailure();
    expect([t.available, t.allowsRetry()]).toEqual([2, false]); // exactly half: no
    t.onSuccess();
    expect([t.available, t.allowsRetry()]).toEqual([2.5, true]);
    t.onSuccess();
    t.onSuccess();
    t.onSuccess();
    expect([t.available, t.full]).toEqual([4, true]); // capped at maxTokens
    for (let i = 0; i < 10; i++) t.onFailure();
    expect(t.available).toBe(0); // floored at 0
  });

  it('defaults to 10 tokens and a ratio of 0.1', () => {
    const t = new RetryThrottle();
    expect([t.maxTokens, t.tokenRatio, t.available]).toEqual([10, 0.1, 10]);
  });

  it.each([
    [{ maxTokens: 0 }, 'retryThrottle.maxTokens must be in (0, 1000], got 0'],
    [{ maxTokens: 1001 }, 'retryThrottle.maxTokens must be in (0, 1000], got 1001'],
    [{ tokenRatio: 0 }, 'retryThrottle.tokenRatio must be in (0, 1], got 0'],
    [{ tokenRatio: 1.01 }, 'retryThrottle.tokenRatio must be in (0, 1], got 1.01'],
  ])('refuses %j', (options, message) => {
    expect(() => new RetryThrottle(options)).toThrow(new RangeError(message));
  });

  it('accepts the upper edges', () => {
    expect(new RetryThrottle({ maxTokens: 1000, tokenRatio: 1 }).available).toBe(1000);
  });
});

describe('chargeThrottle', () => {
  it('takes a token for a retryable code only, and none for a refused first attempt', () => {
    const t = new RetryThrottle({ maxTokens: 10 });
    chargeThrottle(failure(Code.NOT_FOUND), 1, DEFAULT_RETRY, t);
    chargeThrottle(new Error('x'), 1, DEFAULT_RETRY, t);
    chargeThrottle(failure(Code.UNAVAILABLE, undefined, 'Stream refused by server'), 1, DEFAULT_RETRY, t);
    expect(t.available).toBe(10);
    chargeThrottle(failure(Code.UNAVAILABLE, undefined, 'Stream refused by server'), 2, DEFAULT_RETRY, t);
    chargeThrottle(failure(Code.UNAVAILABLE), 1, DEFAULT_RETRY, t);
    expect(t.available).toBe(8);
  });
});

describe('retryAfterFirstFailure', () => {
  const fast = { ...DEFAULT_RETRY, initialBackoffMs: 0, maxBackoffMs: 0 };

  it('makes attempts 2, 3, … up to the cap, charging each failure, and throws the last error', async () => {
    const throttle = new RetryThrottle({ maxTokens: 100 });
    const seen: number[] = [];
    const decisions: [number, boolean][] = [];
    const state = { attempts: 1 };
    const last = failure(Code.UNAVAILABLE, undefined, 'last');
    const run = retryAfterFirstFailure(
      {
        attempt: async (n) => {
          seen.push(n);
          throw n === 4 ? last : failure(Code.UNAVAILABLE);
        },
        policy: fast,
        throttle,
        deadline: Infinity,
        state,
        onDecision: (_e, attempt, d) => decisions.push([attempt, d.retry]),
      },
      failure(Code.UNAVAILABLE),
    );
    await expect(run).rejects.toBe(last);
    expect(seen).toEqual([2, 3, 4]);
    expect(state.attempts).toBe(4);
    expect(decisions).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]); // the cap ends p-retry's loop (retries: maxAttempts - 2) before a fourth decision

    expect(throttle.available).toBe(96);
  });

  it('charges later refused attempts to the throttle; only the refused first attempt is free', async () => {
    const throttle = new RetryThrottle({ maxTokens: 100 });
    const refused = () => failure(Code.UNAVAILABLE, undefined, 'Stream refused by server');
    await expect(
      retryAfterFirstFailure(
        {
          attempt: async () => {
            throw refused();
          },
          policy: fast,
          throttle,
          deadline: Infinity,
          state: { attempts: 1 },
        },
        refused(),
      ),
    ).rejects.toThrow('Stream refused by server');
    expect(throttle.available).toBe(97); // attempts 2, 3 and 4
  });

  it('returns the first success', async () => {
    const state = { attempts: 1 };
    const got = await retryAfterFirstFailure(
      {
        attempt: async (n) => {
          if (n < 3) throw failure(Code.UNAVAILABLE);
          return `ok ${n}`;
        },
        policy: fast,
        throttle: new RetryThrottle(),
        deadline: Infinity,
        state,
      },
      failure(Code.UNAVAILABLE),
    );
    expect(got).toBe('ok 3');
    expect(state.attempts).toBe(3);
  });

  it('throws the first error untouched when it is not retried', async () => {
    const first = failure(Code.NOT_FOUND);
    let called = false;
    await expect(
      retryAfterFirstFailure(
        {
          attempt: async () => {
            called = true;
            return 1;
          },
          policy: fast,
          throttle: new RetryThrottle(),
          deadline: Infinity,
          state: { attempts: 1 },
        },
        first,
      ),
    ).rejects.toBe(first);
    expect(called).toBe(false);
  });

  it('sleeps the chosen backoff before the next attempt, and records which attempt it sleeps after', async () => {
    const state: { attempts: number; sleepingAfter?: number } = { attempts: 1 };
    const pushed = failure(Code.UNAVAILABLE, '60');
    const started = Date.now();
    let sleepingSeen: number | undefined;
    const timer = setTimeout(() => {
      sleepingSeen = state.sleepingAfter;
    }, 20);
    const got = await retryAfterFirstFailure(
      { attempt: async (n) => n, policy: DEFAULT_RETRY, throttle: new RetryThrottle(), deadline: Infinity, state },
      pushed,
    );
    clearTimeout(timer);
    expect(got).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(sleepingSeen).toBe(1);
    expect(state.sleepingAfter).toBeUndefined();
  });

  it('stops at once when the signal is aborted, the backoff sleep included', async () => {
    const controller = new AbortController();
    const state = { attempts: 1 };
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(
      retryAfterFirstFailure(
        {
          attempt: async () => 1,
          policy: DEFAULT_RETRY,
          throttle: new RetryThrottle(),
          deadline: Infinity,
          signal: controller.signal,
          state,
        },
        failure(Code.UNAVAILABLE, '5000'),
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(state.attempts).toBe(1);
  });

  it('does not retry when the signal is already aborted', async () => {
    const first = failure(Code.UNAVAILABLE);
    await expect(
      retryAfterFirstFailure(
        {
          attempt: async () => 1,
          policy: fast,
          throttle: new RetryThrottle(),
          deadline: Infinity,
          signal: AbortSignal.abort(),
          state: { attempts: 1 },
        },
        first,
      ),
    ).rejects.toBe(first);
  });
});
