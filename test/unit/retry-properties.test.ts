import { Metadata } from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, composeInterceptors, PantryError, type CallFn } from '../../src/index.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { HelloServiceDefinition } from '../../src/generated/hello/v1/hello.js';
import { nextRetry, type RetryPolicy } from '../../src/retry/policy.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { serviceClient } from '../../src/client/service-client.js';
import { methodInfo, type ServiceDefinition } from '../../src/schema/method-info.js';
import { Tracer } from '../../src/observability/tracer.js';

// Property-based tests of the retry scheduler (fast-check): whatever the outcomes and pushbacks,
// it never passes the deadline or the attempt cap and never retries an unsafe method.
const codes = fc.constantFrom(
  Code.UNAVAILABLE,
  Code.RESOURCE_EXHAUSTED,
  Code.INTERNAL,
  Code.DEADLINE_EXCEEDED,
  Code.NOT_FOUND,
  Code.ABORTED,
);
const pushback = fc.option(fc.oneof(fc.integer({ min: 0, max: 50 }).map(String), fc.constantFrom('-1', 'soon', '')), {
  nil: undefined,
});
const policy = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 10 }),
  initialBackoffMs: fc.integer({ min: 0, max: 40 }),
  maxBackoffMs: fc.integer({ min: 40, max: 80 }),
  backoffMultiplier: fc.double({ min: 1, max: 4, noNaN: true }),
  retryableCodes: fc.subarray([Code.UNAVAILABLE, Code.INTERNAL, Code.ABORTED]),
  assumeIdempotent: fc.boolean(),
}) as fc.Arbitrary<RetryPolicy>;

function failure(code: Code, pb: string | undefined): PantryError {
  const metadata = new Metadata();
  if (pb !== undefined) metadata.set('grpc-retry-pushback-ms', pb);
  return new PantryError({ code, details: 'generated', metadata });
}

const unsafeService: ServiceDefinition = {
  name: 'HelloService',
  fullName: 'test.v1.UnsafeService',
  methods: { hello: { ...HelloServiceDefinition.methods.hello, options: {} } },
};

describe('nextRetry', () => {
  it('retries only within the attempt cap, the deadline and the throttle, with a non-negative delay', () => {
    fc.assert(
      fc.property(
        policy,
        codes,
        pushback,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 500 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (p, code, pb, attempt, left, throttle, r) => {
          const now = 1_000_000;
          const d = nextRetry({
            error: failure(code, pb),
            attempt,
            policy: p,
            deadline: now + left,
            now,
            throttleAllows: throttle,
            random: () => r,
          });
          // The oracle, written out: both directions are checked, and the exact delay (full jitter).
          const validPushback = pb === undefined || /^\d{1,9}$/.test(pb);
          const codeRetryable =
            p.retryableCodes.includes(code) || (code === Code.RESOURCE_EXHAUSTED && pb !== undefined);
          const bound = Math.min(p.maxBackoffMs, p.initialBackoffMs * p.backoffMultiplier ** (attempt - 1));
          const delay = pb !== undefined && validPushback ? Number(pb) : Math.round(r * bound);
          const expected =
            validPushback && codeRetryable && attempt < p.maxAttempts && throttle && now + delay < now + left;
          expect(d.retry).toBe(expected);
          if (d.retry) expect(d.delayMs).toBe(delay);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('retry stage over a scripted transport', () => {
  const run = async (
    def: ServiceDefinition,
    p: RetryPolicy,
    script: Array<[Code, string | undefined]>,
    deadlineMs: number,
  ) => {
    let attempts = 0;
    const transport: CallFn = async () => {
      const [code, pb] = script[Math.min(attempts++, script.length - 1)];
      throw failure(code, pb);
    };
    const tracer = new Tracer({ trace: '' }, {});
    const client = serviceClient(
      def,
      composeInterceptors(
        [
          deadlineStage({ deadlineMs, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
          retryStage(p, new RetryThrottle(), tracer),
        ],
        transport,
      ),
    ) as unknown as { hello: (r: object) => Promise<unknown> };
    const t0 = performance.now();
    const err = (await client.hello({}).catch((e) => e)) as PantryError;
    return { attempts, elapsed: performance.now() - t0, err };
  };

  it('never exceeds the attempt cap or the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(fc.tuple(codes, pushback), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 20, max: 150 }),
        async (p, script, deadlineMs) => {
          const { attempts, elapsed, err } = await run(HelloServiceDefinition, p, script, deadlineMs);
          expect(attempts).toBeLessThanOrEqual(p.maxAttempts);
          expect(err.attempts).toBe(attempts);
          // Gross overshoot only (several backoffs): timers on a loaded 2-core machine run late; the
          // exact rule (no backoff past the deadline) is the oracle property above.
          expect(elapsed).toBeLessThan(deadlineMs + 250);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never retries a method that is neither marked safe nor keyed, unless the call assumes it idempotent', async () => {
    expect(methodInfo(unsafeService, unsafeService.methods.hello).idempotency).toBe('IDEMPOTENCY_UNKNOWN');
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.array(fc.tuple(codes, pushback), { minLength: 1, maxLength: 6 }),
        async (p, script) => {
          const { attempts } = await run(unsafeService, p, script, 1000);
          if (!p.assumeIdempotent) expect(attempts).toBe(1);
          else if (p.maxAttempts > 1 && p.retryableCodes.includes(script[0][0]) && script[0][1] === undefined)
            expect(attempts).toBeGreaterThan(1);
        },
      ),
      { numRuns: 100 },
    );
  });
});
