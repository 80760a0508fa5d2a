import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { Code, PantryError, type CallFn, type CallRequest, type CallResponse } from '../../src/index.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { resolveConfig } from '../../src/client/config.js';
import { checkCallOptions } from '../../src/pipeline/call-options.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { Tracer } from '../../src/observability/tracer.js';
import { isHedgeable, resolveHedgingPolicy } from '../../src/retry/hedging.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { methodInfo } from '../../src/schema/method-info.js';
import { captureLogger } from '../helpers.js';

// Hedged reads in the retry stage, over a fake transport whose attempts answer when the test says:
// which methods are hedged, when a hedge goes out, that the first success wins and the others are
// cancelled, that failures and the throttle are shared with retries, and what the trace records.

const getFood = methodInfo(S, S.methods.getFood);
const listFoods = methodInfo(S, S.methods.listFoods);
const addFood = methodInfo(S, S.methods.addFood);
const updateFood = methodInfo(S, S.methods.updateFood);
const watch = methodInfo(S, S.methods.watchExpiringFoods);
const quiet = new Tracer({ trace: '' }, {});
const hedge = { delayMs: 20, maxAttempts: 3 };

function request(over: Partial<CallRequest> = {}): CallRequest {
  const method = over.method ?? getFood;
  return {
    kind: method.kind,
    method,
    message: {},
    metadata: new Metadata(),
    deadline: Date.now() + 5_000,
    options: {},
    attempt: 0,
    startedAt: Date.now(),
    ...over,
  } as CallRequest;
}

/** A transport whose attempts stay open until the test answers them; records each attempt and its cancellation. */
function fakeTransport() {
  const attempts: {
    n: number;
    at: number;
    signal?: AbortSignal;
    cancelled: boolean;
    answer(res?: CallResponse): void;
    fail(err: unknown): void;
  }[] = [];
  const started = performance.now();
  const fn: CallFn = (req) =>
    new Promise((resolve, reject) => {
      const a = {
        n: req.attempt,
        at: performance.now() - started,
        signal: req.signal,
        cancelled: false,
        answer: (res: CallResponse = { kind: 'unary', message: { n: req.attempt } }) => resolve(res),
        fail: reject,
      };
      req.signal?.addEventListener('abort', () => {
        a.cancelled = true;
        reject(req.signal?.reason);
      });
      attempts.push(a);
    });
  return { fn, attempts };
}

const unavailable = (details = 'upstream reset') => new PantryError({ code: Code.UNAVAILABLE, details });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('which calls are hedged', () => {
  it('hedges only unary NO_SIDE_EFFECTS methods: GetFood and ListFoods, not writes or streams', () => {
    expect(isHedgeable(getFood)).toBe(true);
    expect(isHedgeable(listFoods)).toBe(true);
    expect(isHedgeable(addFood)).toBe(false); // a write with a request_id
    expect(isHedgeable(updateFood)).toBe(false); // IDEMPOTENT is still a write
    expect(isHedgeable(watch)).toBe(false); // NO_SIDE_EFFECTS, but a stream
  });

  it('never hedges a write under the client option: AddFood makes one attempt while it hangs', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 5, maxAttempts: 3 })(t.fn);
    const call = stage(request({ method: addFood }));
    await sleep(60);
    expect(t.attempts).toHaveLength(1);
    t.attempts[0].answer();
    await call;
  });

  it('refuses a per-call hedging option on a write, naming the method', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet)(t.fn);
    const err = await stage(request({ method: addFood, options: { hedging: {} } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as PantryError).details).toContain('AddFood is not a NO_SIDE_EFFECTS unary method');
    expect(t.attempts).toHaveLength(0);
  });

  it('checks the settings: range, type and unknown keys, in client and call options', () => {
    expect(resolveHedgingPolicy({}, undefined, 'option hedging')).toEqual({ delayMs: 100, maxAttempts: 2 });
    expect(resolveHedgingPolicy({ delayMs: 5 }, { delayMs: 50, maxAttempts: 4 }, 'x')).toEqual({
      delayMs: 5,
      maxAttempts: 4,
    });
    expect(resolveHedgingPolicy(false, { delayMs: 50, maxAttempts: 4 }, 'x')).toBeUndefined();
    expect(() => resolveHedgingPolicy({ maxAttempts: 1 }, undefined, 'option hedging')).toThrow(
      'option hedging.maxAttempts: must be an integer from 2 to 5, got 1',
    );
    expect(() => resolveHedgingPolicy({ delayMs: -1 }, undefined, 'option hedging')).toThrow('delayMs');
    expect(() => resolveHedgingPolicy({ delay: 5 } as never, undefined, 'option hedging')).toThrow(
      'unknown hedging setting "delay"',
    );
    expect(() => resolveConfig({ address: 'a:1', hedging: { maxAttempts: 9 } }, {})).toThrow(PantryError);
    expect(resolveConfig({ address: 'a:1' }, {}).hedging).toBeUndefined();
    expect(() => checkCallOptions({ hedging: 'yes' }, getFood.path)).toThrow('call option hedging must be false');
  });
});

describe('hedged calls', () => {
  it('sends a second attempt after delayMs when the first has not answered; the first success wins, the other is cancelled', async () => {
    const t = fakeTransport();
    const throttle = new RetryThrottle();
    const stage = retryStage(DEFAULT_RETRY, throttle, quiet, { delayMs: 300, maxAttempts: 2 })(t.fn);
    const call = stage(request());
    await sleep(20);
    expect(t.attempts).toHaveLength(1); // not before delayMs
    await vi.waitFor(() => expect(t.attempts.map((a) => a.n)).toEqual([1, 2]));
    expect(t.attempts[1].at).toBeGreaterThanOrEqual(295);
    t.attempts[1].answer();
    const res = await call;
    expect(res.kind === 'unary' && res.message).toEqual({ n: 2 });
    expect(t.attempts[0].cancelled).toBe(true);
    expect(t.attempts[1].cancelled).toBe(false);
    await sleep(60);
    expect(t.attempts).toHaveLength(2); // maxAttempts 2: no third
  });

  it('sends nothing more when the first attempt answers in time', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 40, maxAttempts: 3 })(t.fn);
    const call = stage(request());
    t.attempts[0].answer();
    await call;
    await sleep(80);
    expect(t.attempts).toHaveLength(1);
  });

  it('sends every attempt at once with delayMs 0', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 0, maxAttempts: 3 })(t.fn);
    const call = stage(request());
    await vi.waitFor(() => expect(t.attempts.map((a) => a.n)).toEqual([1, 2, 3]));
    t.attempts[2].answer();
    expect(await call).toMatchObject({ message: { n: 3 } });
  });

  it('stops at maxAttempts, and the first attempt may still win', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, hedge)(t.fn);
    const call = stage(request());
    await vi.waitFor(() => expect(t.attempts.map((a) => a.n)).toEqual([1, 2, 3]));
    t.attempts[0].answer();
    expect(await call).toMatchObject({ message: { n: 1 } });
    expect(t.attempts[1].cancelled && t.attempts[2].cancelled).toBe(true);
  });

  it('sends the next hedge at once when an attempt fails with a retryable code, and charges the throttle', async () => {
    const t = fakeTransport();
    const throttle = new RetryThrottle();
    const stage = retryStage(DEFAULT_RETRY, throttle, quiet, { delayMs: 10_000, maxAttempts: 2 })(t.fn);
    const call = stage(request());
    t.attempts[0].fail(unavailable());
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2)); // long before delayMs
    expect(throttle.available).toBe(9);
    t.attempts[1].answer();
    await call;
    expect(throttle.available).toBeCloseTo(9.1);
  });

  it("waits for the server's pushback before the next hedge, and a negative pushback stops hedging", async () => {
    const pushback = (ms: string) => {
      const metadata = new Metadata();
      metadata.set('grpc-retry-pushback-ms', ms);
      return new PantryError({ code: Code.UNAVAILABLE, details: 'busy', metadata });
    };
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 10_000, maxAttempts: 3 })(t.fn);
    const call = stage(request());
    t.attempts[0].fail(pushback('400'));
    await sleep(50);
    expect(t.attempts).toHaveLength(1); // not at once: the server asked for 400 ms
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    expect(t.attempts[1].at - t.attempts[0].at).toBeGreaterThanOrEqual(395);
    t.attempts[1].fail(pushback('-1'));
    const err = (await call.catch((e: unknown) => e)) as PantryError;
    expect(err.details).toBe('busy');
    expect(t.attempts).toHaveLength(2); // maxAttempts 3, but the server said stop
  });

  it('ends the call on a fatal code and cancels the others', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 10, maxAttempts: 2 })(t.fn);
    const call = stage(request());
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    t.attempts[1].fail(new PantryError({ code: Code.NOT_FOUND, details: 'food "x" not found' }));
    const err = (await call.catch((e: unknown) => e)) as PantryError;
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.attempts).toBe(2);
    expect(t.attempts[0].cancelled).toBe(true);
  });

  it('fails with the last error once every attempt failed', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 10, maxAttempts: 2 })(t.fn);
    const call = stage(request());
    t.attempts[0].fail(unavailable('first'));
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    t.attempts[1].fail(unavailable('second'));
    const err = (await call.catch((e: unknown) => e)) as PantryError;
    expect(err.details).toBe('second');
    expect(err.attempts).toBe(2);
  });

  it('sends no hedge while the shared retry throttle is engaged', async () => {
    const t = fakeTransport();
    const throttle = new RetryThrottle({ maxTokens: 10 });
    for (let i = 0; i < 5; i++) throttle.onFailure(); // 5 of 10: retries (and hedges) not allowed
    const stage = retryStage(DEFAULT_RETRY, throttle, quiet, { delayMs: 5, maxAttempts: 3 })(t.fn);
    const call = stage(request());
    await sleep(50);
    expect(t.attempts).toHaveLength(1);
    t.attempts[0].answer();
    await call;
  });

  it('sends no hedge past the deadline', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 40, maxAttempts: 3 })(t.fn);
    const call = stage(request({ deadline: Date.now() + 20 }));
    await sleep(100);
    expect(t.attempts).toHaveLength(1);
    t.attempts[0].fail(new PantryError({ code: Code.DEADLINE_EXCEEDED, details: 'deadline' }));
    expect(((await call.catch((e: unknown) => e)) as PantryError).code).toBe(Code.DEADLINE_EXCEEDED);
  });

  it("cancels every attempt when the call's signal aborts", async () => {
    const t = fakeTransport();
    const controller = new AbortController();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 5, maxAttempts: 2 })(t.fn);
    const call = stage(request({ signal: controller.signal }));
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    controller.abort(new Error('bye'));
    const err = (await call.catch((e: unknown) => e)) as PantryError;
    expect(err.code).toBe(Code.CANCELLED);
    expect(t.attempts.every((a) => a.cancelled)).toBe(true);
  });

  it('hedges a call that asks for it with a call option, and `hedging: false` turns the client option off', async () => {
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet)(t.fn);
    const call = stage(request({ options: { hedging: { delayMs: 5 } } }));
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    t.attempts[1].answer();
    await call;

    const t2 = fakeTransport();
    const off = retryStage(DEFAULT_RETRY, new RetryThrottle(), quiet, { delayMs: 5, maxAttempts: 2 })(t2.fn);
    const call2 = off(request({ options: { hedging: false } }));
    await sleep(50);
    expect(t2.attempts).toHaveLength(1);
    t2.attempts[0].answer();
    await call2;
  });

  it('records each hedge and the winner in the retry trace', async () => {
    const logger = captureLogger();
    const tracer = new Tracer({ trace: 'retry', logger }, {});
    const t = fakeTransport();
    const stage = retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer, { delayMs: 10, maxAttempts: 2 })(t.fn);
    const call = stage(request());
    await vi.waitFor(() => expect(t.attempts).toHaveLength(2));
    t.attempts[1].answer();
    await call;
    const text = logger.lines.join('\n');
    expect(text).toContain(
      '/pantry.v1.FoodStorageService/GetFood hedging: hedged attempt 2 sent: none answered within 10 ms',
    );
    expect(text).toContain('hedging: attempt 2 won; cancelled attempt 1');
  });
});

describe('resolveHedgingPolicy: every refusal, exactly', () => {
  const refusal = (options: unknown): PantryError => {
    try {
      resolveHedgingPolicy(options as never, undefined, 'option hedging', '/pantry.v1.FoodStorageService/GetFood');
    } catch (e) {
      return e as PantryError;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  };

  it.each([
    [null, 'option hedging must be false or an object { delayMs, maxAttempts }, got null'],
    [[1], 'option hedging must be false or an object { delayMs, maxAttempts }, got an array'],
    ['fast', 'option hedging must be false or an object { delayMs, maxAttempts }, got "fast"'],
    [{ delayMs: -1 }, 'option hedging.delayMs: must be a non-negative number of milliseconds, got -1'],
    [{ delayMs: Infinity }, 'option hedging.delayMs: must be a non-negative number of milliseconds, got null'],
    [{ delayMs: '5' }, 'option hedging.delayMs: must be a non-negative number of milliseconds, got "5"'],
    [{ maxAttempts: 1 }, 'option hedging.maxAttempts: must be an integer from 2 to 5, got 1'],
    [{ maxAttempts: 6 }, 'option hedging.maxAttempts: must be an integer from 2 to 5, got 6'],
    [{ maxAttempts: 2.5 }, 'option hedging.maxAttempts: must be an integer from 2 to 5, got 2.5'],
  ])('refuses %j', (options, details) => {
    const e = refusal(options);
    expect(e).toBeInstanceOf(PantryError);
    expect([e.code, e.details, e.method]).toEqual([
      Code.INVALID_ARGUMENT,
      details,
      '/pantry.v1.FoodStorageService/GetFood',
    ]);
  });

  it('names an unknown setting and lists the known ones', () => {
    const e = refusal({ delay: 5 });
    expect(e.details).toBe('option hedging: unknown hedging setting "delay"');
    expect(e.hint).toBe('known hedging settings: delayMs, maxAttempts');
  });

  it('accepts the edges: delayMs 0, maxAttempts 2 and 5; false turns it off; undefined keeps the base', () => {
    const base = { delayMs: 7, maxAttempts: 3 };
    expect(resolveHedgingPolicy({ delayMs: 0, maxAttempts: 2 }, undefined, 'o')).toEqual({
      delayMs: 0,
      maxAttempts: 2,
    });
    expect(resolveHedgingPolicy({ maxAttempts: 5 }, base, 'o')).toEqual({ delayMs: 7, maxAttempts: 5 });
    expect(resolveHedgingPolicy(false, base, 'o')).toBeUndefined();
    expect(resolveHedgingPolicy(undefined, base, 'o')).toBe(base);
  });
});
