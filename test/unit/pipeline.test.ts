import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  Code,
  PantryError,
  composeInterceptors,
  type CallFn,
  type CallRequest,
  type CallResponse,
} from '../../src/index.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { requestIdStage } from '../../src/pipeline/request-id.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { serviceClient } from '../../src/client/service-client.js';
import { Tracer } from '../../src/observability/tracer.js';
import { captureLogger } from '../helpers.js';

// A scripted transport (a mock is fine inside a unit test): each attempt takes the next outcome.
type Outcome = { fail: Code; pushback?: string; delayMs?: number } | { ok: true; delayMs?: number };

function scripted(outcomes: Outcome[]) {
  const seen: CallRequest[] = [];
  const messages: unknown[] = [];
  const attempts: number[] = [];
  const transport: CallFn = async (req) => {
    seen.push(req);
    attempts.push(req.attempt);
    messages.push(structuredClone(req.message));
    const o = outcomes[Math.min(seen.length - 1, outcomes.length - 1)];
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    if ('ok' in o)
      return { kind: 'unary', message: { food: { id: 'food-1' } }, header: new Metadata() } satisfies CallResponse;
    const metadata = new Metadata();
    if (o.pushback !== undefined) metadata.set('grpc-retry-pushback-ms', o.pushback);
    throw new PantryError({ code: o.fail, details: 'scripted', method: req.method.path, metadata });
  };
  return { transport, seen, messages, attempts };
}

function client(
  transport: CallFn,
  opts: { retry?: Partial<RetryPolicy>; throttle?: RetryThrottle; deadlineMs?: number; tracer?: Tracer } = {},
) {
  const tracer = opts.tracer ?? new Tracer({ trace: '' }, {});
  const pipeline = composeInterceptors(
    [
      deadlineStage(
        { deadlineMs: opts.deadlineMs ?? 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} },
        tracer,
      ),
      requestIdStage(),
      retryStage(
        { ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 5, ...opts.retry },
        opts.throttle ?? new RetryThrottle(),
        tracer,
      ),
    ],
    transport,
  );
  return serviceClient(FoodStorageServiceDefinition, pipeline);
}

describe('retry stage', () => {
  it('retries UNAVAILABLE and succeeds on the third attempt with the same request_id', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { fail: Code.UNAVAILABLE }, { ok: true }]);
    const res = await client(s.transport).addFood({ food: { name: 'rice' } });
    expect(res.food?.id).toBe('food-1');
    expect(s.attempts).toEqual([1, 2, 3]);
    const ids = s.messages.map((m) => (m as { requestId: string }).requestId);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(1);
  });

  it('keeps a request_id the caller gave', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { ok: true }]);
    await client(s.transport).consumeFood({ id: 'food-1', quantity: 1, requestId: 'mine' });
    expect(s.messages.map((m) => (m as { requestId: string }).requestId)).toEqual(['mine', 'mine']);
  });

  it('does not retry codes that are not retryable', async () => {
    const s = scripted([{ fail: Code.INVALID_ARGUMENT }, { ok: true }]);
    const err = await client(s.transport)
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.attempts).toBe(1);
    expect(s.seen).toHaveLength(1);
  });

  it('stops at maxAttempts and reports the attempts', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }]);
    const err = await client(s.transport, { retry: { maxAttempts: 3 } })
      .listFoods({})
      .catch((e) => e);
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.attempts).toBe(3);
    expect(s.seen).toHaveLength(3);
  });

  it('honours retry: false per call', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { ok: true }]);
    const err = await client(s.transport)
      .getFood({ id: 'x' }, { retry: false })
      .catch((e) => e);
    expect(err.attempts).toBe(1);
  });

  it('retries RESOURCE_EXHAUSTED only with pushback, after the pushback delay', async () => {
    const without = scripted([{ fail: Code.RESOURCE_EXHAUSTED }, { ok: true }]);
    expect(
      (
        await client(without.transport)
          .getFood({ id: 'x' })
          .catch((e) => e)
      ).attempts,
    ).toBe(1);
    const withPushback = scripted([{ fail: Code.RESOURCE_EXHAUSTED, pushback: '60' }, { ok: true }]);
    const t0 = performance.now();
    await client(withPushback.transport).getFood({ id: 'x' });
    expect(withPushback.seen).toHaveLength(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('stops on negative pushback', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE, pushback: '-1' }, { ok: true }]);
    expect(
      (
        await client(s.transport)
          .getFood({ id: 'x' })
          .catch((e) => e)
      ).attempts,
    ).toBe(1);
  });

  it('does not sleep past the deadline: a backoff longer than the time left ends the call', async () => {
    // Pushback fixes the next delay at 5 s (backoff is jittered, so it could be shorter).
    const s = scripted([{ fail: Code.UNAVAILABLE, pushback: '5000' }]);
    const t0 = performance.now();
    const err = await client(s.transport, { deadlineMs: 3_000 })
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(1_000); // ended at once, long before the deadline
    expect(err.code).toBe(Code.UNAVAILABLE);
  });

  it('cancels a backoff sleep at once when the signal aborts', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE, pushback: '5000' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const t0 = performance.now();
    const err = await client(s.transport)
      .getFood({ id: 'x' }, { signal: controller.signal })
      .catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(err.code).toBe(Code.CANCELLED);
    expect(err.attempts).toBe(1);
  });

  it('throttles: a dead server sees about one attempt per call once the bucket is half empty', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }]);
    const throttle = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.1 });
    const c = client(s.transport, { throttle });
    for (let i = 0; i < 50; i++) await c.getFood({ id: 'x' }).catch(() => {});
    // Tokens fall from 10 to 5 within the first two calls' retries; after that, one attempt per call.
    expect(s.seen.length).toBeLessThanOrEqual(50 + 6);
    expect(throttle.allowsRetry()).toBe(false);
  });

  it('traces each retry decision', async () => {
    const logger = captureLogger();
    const s = scripted([{ fail: Code.UNAVAILABLE }, { ok: true }]);
    await client(s.transport, { tracer: new Tracer({ trace: 'retry', logger }, {}) }).getFood({ id: 'x' });
    expect(logger.lines.join('\n')).toMatch(
      /retry \| \/pantry\.v1\.FoodStorageService\/GetFood attempt 1 failed with UNAVAILABLE: retrying in \d+ ms/,
    );
  });
});

describe('deadline stage', () => {
  it('turns DEADLINE_EXCEEDED into an error that says the budget and the attempts', async () => {
    const s = scripted([{ fail: Code.DEADLINE_EXCEEDED }]);
    const err = await client(s.transport, { deadlineMs: 1234 })
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(err.message).toMatch(/deadline of 1234 ms \(1 attempt in \d+ ms\)/);
  });

  it('reports a transport failure that arrives after the deadline as DEADLINE_EXCEEDED, keeping its text', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE, delayMs: 80 }]);
    const late = await client(s.transport, { deadlineMs: 30 })
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(late.codeName).toBe('DEADLINE_EXCEEDED');
    expect(late.details).toBe('deadline exceeded; the last attempt ended with UNAVAILABLE: scripted');
    expect(late.cause.codeName).toBe('UNAVAILABLE');
    expect(late.hint).toMatch(/did not finish within its deadline of 30 ms/);
    const early = await client(scripted([{ fail: Code.UNAVAILABLE }]).transport, { retry: { maxAttempts: 1 } })
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(early.codeName).toBe('UNAVAILABLE');
  });

  it('gives every attempt the same absolute deadline', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { fail: Code.UNAVAILABLE }, { ok: true }]);
    await client(s.transport).getFood({ id: 'x' }, { deadlineMs: 5000 });
    expect(new Set(s.seen.map((r) => r.deadline)).size).toBe(1);
    expect(s.seen[0].deadline - Date.now()).toBeGreaterThan(4000);
  });

  it('wraps a non-gRPC failure of a stage as UNKNOWN', async () => {
    const err = await client(async () => {
      throw new TypeError('boom');
    })
      .getFood({ id: 'x' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.UNKNOWN);
    expect(err.message).toContain('boom');
  });
});

describe('interceptor slots', () => {
  it('runs per-call interceptors once per logical call and per-attempt ones once per attempt', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { fail: Code.UNAVAILABLE }, { ok: true }]);
    const perCall: number[] = [];
    const perAttempt: number[] = [];
    let token = 0;
    const tracer = new Tracer({ trace: '' }, {});
    const pipeline = composeInterceptors(
      [
        deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
        requestIdStage(),
        (next) => (req) => {
          perCall.push(req.attempt);
          return next(req);
        },
        retryStage({ ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 5 }, new RetryThrottle(), tracer),
        (next) => (req) => {
          perAttempt.push(req.attempt);
          const metadata = req.metadata.clone();
          metadata.set('authorization', `Bearer token-${++token}`);
          return next({ ...req, metadata });
        },
      ],
      s.transport,
    );
    await serviceClient(FoodStorageServiceDefinition, pipeline).getFood({ id: 'x' });
    expect(perCall).toEqual([0]);
    expect(perAttempt).toEqual([1, 2, 3]);
    expect(s.seen.map((r) => r.metadata.get('authorization')[0])).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-3',
    ]);
  });

  it('never changes the request a stage was given', async () => {
    const s = scripted([{ fail: Code.UNAVAILABLE }, { ok: true }]);
    let given: CallRequest | undefined;
    const tracer = new Tracer({ trace: '' }, {});
    const pipeline = composeInterceptors(
      [
        (next) => (req) => {
          given = Object.freeze({ ...req });
          return next(given);
        },
        deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
        requestIdStage(),
        retryStage({ ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 5 }, new RetryThrottle(), tracer),
      ],
      s.transport,
    );
    await serviceClient(FoodStorageServiceDefinition, pipeline).addFood({ food: { name: 'rice' } });
    expect(given).toMatchObject({ attempt: 0, deadline: Infinity });
    expect((given!.message as { requestId: string }).requestId).toBe('');
    expect(s.attempts).toEqual([1, 2]);
  });
});

describe('method entry', () => {
  it('rejects a request that is not an object', async () => {
    const s = scripted([{ ok: true }]);
    const err = await client(s.transport)
      .getFood('food-1' as never)
      .catch((e) => e);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.message).toContain('request must be an object');
    expect(s.seen).toHaveLength(0);
  });

  it('rejects metadata with an illegal key', async () => {
    const s = scripted([{ ok: true }]);
    const err = await client(s.transport)
      .getFood({}, { metadata: { 'bad key': 'x' } })
      .catch((e) => e);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.message).toContain('metadata "bad key"');
  });
});
