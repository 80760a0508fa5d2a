import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, PantryError, composeInterceptors, type CallFn } from '../../src/index.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { requestIdStage } from '../../src/pipeline/request-id.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY, nextRetry } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { serviceClient } from '../../src/client/service-client.js';
import { Tracer } from '../../src/observability/tracer.js';

// A stream refused before processing (Envoy's answer to a stream that races its GOAWAY) is retried
// at once and outside the throttle, once per call; a scripted transport stands in for grpc-js.
const refused = (path = '/pantry.v1.FoodStorageService/ListFoods') =>
  new PantryError({
    code: Code.UNAVAILABLE,
    details: 'Stream refused by server',
    method: path,
    metadata: new Metadata(),
  });

describe('a refused stream (HTTP/2 REFUSED_STREAM)', () => {
  it('is retried at once on the first attempt even when the throttle is engaged', () => {
    const d = nextRetry({
      error: refused(),
      attempt: 1,
      policy: DEFAULT_RETRY,
      deadline: Date.now() + 5_000,
      now: Date.now(),
      throttleAllows: false,
    });
    expect(d).toEqual({ retry: true, delayMs: 0 });
  });

  it('meets the throttle and the backoff from the second attempt on', () => {
    const d = nextRetry({
      error: refused(),
      attempt: 2,
      policy: DEFAULT_RETRY,
      deadline: Date.now() + 5_000,
      now: Date.now(),
      throttleAllows: false,
    });
    expect(d.retry).toBe(false);
    const other = nextRetry({
      error: new PantryError({ code: Code.UNAVAILABLE, details: 'Connection dropped', metadata: new Metadata() }),
      attempt: 1,
      policy: DEFAULT_RETRY,
      deadline: Date.now() + 5_000,
      now: Date.now(),
      throttleAllows: false,
    });
    expect(other.retry).toBe(false);
  });

  it('a burst of 32 calls refused at once all succeed on their second attempt, and the throttle keeps its tokens', async () => {
    const throttle = new RetryThrottle();
    const attempts = new Map<string, number>();
    const transport: CallFn = async (req) => {
      const id = String(req.metadata.get('x-call')[0]);
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      if (attempts.get(id) === 1) throw refused(req.method.path);
      return { kind: 'unary', message: { foods: [], nextPageToken: '' }, header: new Metadata() };
    };
    const tracer = new Tracer({ trace: '' }, {});
    const pipeline = composeInterceptors(
      [
        deadlineStage({ deadlineMs: 5_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
        requestIdStage(),
        retryStage(DEFAULT_RETRY, throttle, tracer),
      ],
      transport,
    );
    const foods = serviceClient(FoodStorageServiceDefinition, pipeline);
    await Promise.all(Array.from({ length: 32 }, (_, i) => foods.listFoods({}, { metadata: { 'x-call': String(i) } })));
    expect([...attempts.values()]).toEqual(Array(32).fill(2));
    expect(throttle.allowsRetry()).toBe(true);
    expect(throttle.full).toBe(true);
  });
});
