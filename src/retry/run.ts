/**
 * `retry/` owns when and how a failed attempt is tried again: the policy (gRFC A6: retryable
 * codes, full-jitter backoff, pushback, the transparent retry of a refused first attempt),
 * the throttle, and the loop, which is p-retry's. It may import `errors/`, `observability/`
 * and `schema/`; the pipeline's retry stage adapts it to an interceptor.
 */
import pRetry from 'p-retry';
import { sleep } from './sleep.js';
import { PantryError } from '../errors/pantry-error.js';
import { isTransparentRetry, nextRetry, type RetryDecision, type RetryPolicy } from './policy.js';
import type { RetryThrottle } from './throttle.js';

/**
 * One logical call's retries: what to run, under which rules, and what it records.
 *
 * @example
 * const run: RetryRun<CallResponse> = { attempt: (n) => next({ ...req, attempt: n }), policy, throttle, deadline: req.deadline, state: { attempts: 1 } };
 */
export interface RetryRun<T> {
  /** Makes attempt `n` (2, 3, …). */
  attempt(n: number): Promise<T>;
  policy: RetryPolicy;
  throttle: RetryThrottle;
  /** Absolute deadline (epoch ms) of the whole call; `Infinity` for none. */
  deadline: number;
  /** Aborting it ends the loop, a backoff sleep included. */
  signal?: AbortSignal;
  /** Sees each decision (the `retry` tracer). */
  onDecision?(error: unknown, attempt: number, decision: RetryDecision): void;
  /** Where the loop is: the attempts made so far, and the attempt whose backoff is being slept. */
  state: { attempts: number; sleepingAfter?: number };
}

/**
 * Charges a failed attempt to the throttle (gRFC A6): a retryable code takes a token, except the
 * transparent retry of a refused first attempt, which is no sign of a failing server.
 *
 * @example
 * chargeThrottle(err, 1, policy, throttle);
 */
export function chargeThrottle(error: unknown, attempt: number, policy: RetryPolicy, throttle: RetryThrottle): void {
  if (error instanceof PantryError && policy.retryableCodes.includes(error.code) && !isTransparentRetry(error, attempt))
    throttle.onFailure();
}

/**
 * Retries a call whose first attempt failed with `firstError` (the first attempt runs outside, so
 * a call that succeeds pays nothing for retrying). p-retry runs the loop: the attempt count
 * (`retries`), the caller's `signal`, `maxRetryTime` from the deadline, `onFailedAttempt` charging
 * the throttle, `shouldRetry` asking gRPC's rules ({@link nextRetry}: code, pushback, attempts,
 * throttle, deadline). Each attempt first sleeps the delay `shouldRetry` chose: p-retry's own
 * delay (`minTimeout · factor^n`, at most doubled at random) can express neither full jitter nor
 * the server's pushback, so it is 0 here.
 *
 * @example
 * await retryAfterFirstFailure({ attempt: (n) => send(n), policy, throttle, deadline, signal, state: { attempts: 1 } }, err);
 */
export async function retryAfterFirstFailure<T>(run: RetryRun<T>, firstError: unknown): Promise<T> {
  const { policy, throttle, signal, state } = run;
  let delayMs = 0;
  const decide = (error: unknown, attempt: number): boolean => {
    if (signal?.aborted) return false;
    const decision = nextRetry({
      error,
      attempt,
      policy,
      deadline: run.deadline,
      now: Date.now(),
      throttleAllows: throttle.allowsRetry(),
    });
    run.onDecision?.(error, attempt, decision);
    if (decision.retry) delayMs = decision.delayMs;
    return decision.retry;
  };
  chargeThrottle(firstError, 1, policy, throttle);
  if (!decide(firstError, 1)) throw firstError;
  // p-retry numbers its attempts from 1; ours continue from 2.
  return pRetry(
    async (n) => {
      if (delayMs > 0) {
        state.sleepingAfter = n;
        await sleep(delayMs, signal);
        state.sleepingAfter = undefined;
      }
      state.attempts = n + 1;
      return run.attempt(n + 1);
    },
    {
      retries: policy.maxAttempts - 2,
      minTimeout: 0, // the delay chosen by shouldRetry is slept at the start of the next attempt
      maxRetryTime: Number.isFinite(run.deadline) ? Math.max(0, run.deadline - Date.now()) : Infinity,
      signal,
      onFailedAttempt: ({ error, attemptNumber }) => chargeThrottle(error, attemptNumber + 1, policy, throttle),
      shouldRetry: ({ error, attemptNumber }) => decide(error, attemptNumber + 1),
    },
  );
}
