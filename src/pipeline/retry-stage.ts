import { PantryError, recordCall } from '../errors/pantry-error.js';
import type { Tracer } from '../observability/tracer.js';
import { isRetrySafe, resolveRetryPolicy, type RetryDecision, type RetryPolicy } from '../retry/policy.js';
import { retryAfterFirstFailure } from '../retry/run.js';
import type { RetryThrottle } from '../retry/throttle.js';
import { asPantryError, cancellation } from './call-error.js';
import type { CallFn, CallRequest, CallResponse, Interceptor } from './interceptor.js';

/**
 * Retries safe calls (with p-retry, see {@link retryAfterFirstFailure}): only methods that
 * {@link isRetrySafe} allows (or a call with `retry.assumeIdempotent`), only retryable codes,
 * with jittered exponential backoff or the server's pushback, within the call's deadline and the
 * client's {@link RetryThrottle}. Each attempt goes on as `{ ...req, attempt: n }`; the error of
 * a failed call carries the attempts made.
 *
 * @example
 * composeInterceptors([deadline, retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer)], transport)
 */
export function retryStage(clientPolicy: RetryPolicy, throttle: RetryThrottle, tracer: Tracer): Interceptor {
  const retries = retrying(clientPolicy, throttle, tracer);
  return (next) => {
    const succeeded = (res: CallResponse) => {
      throttle.onSuccess();
      return res;
    };
    return (req) => {
      // A success only refills the throttle's bucket: with a full bucket there is nothing to count.
      const onSuccess = throttle.full ? undefined : succeeded;
      return next({ ...req, attempt: 1 }).then(onSuccess, (firstError: unknown) =>
        retries.afterFirstFailure(next, req, firstError),
      );
    };
  };
}

/**
 * The retry stage's rules with its first attempt left to the caller: `afterFirstFailure` runs
 * attempts 2, 3, … through `next` when the call may be retried, and settles the error the call
 * ends with (carrying the attempts made). The retry stage and the client's fused unary path
 * (which makes its first attempt itself) share it.
 *
 * @example
 * const r = retrying(DEFAULT_RETRY, throttle, tracer);
 * send(req).catch((err) => r.afterFirstFailure(next, req, err));
 */
export function retrying(
  clientPolicy: RetryPolicy,
  throttle: RetryThrottle,
  tracer: Tracer,
): { afterFirstFailure(next: CallFn, req: CallRequest, firstError: unknown): Promise<CallResponse> } {
  const succeeded = (res: CallResponse) => {
    throttle.onSuccess();
    return res;
  };
  return {
    afterFirstFailure(next, req, firstError) {
      let policy: RetryPolicy;
      try {
        policy =
          req.options.retry === undefined
            ? clientPolicy
            : resolveRetryPolicy(req.options.retry, clientPolicy, 'call option retry', req.method.path);
      } catch (err) {
        return Promise.reject(err);
      }
      if (policy.maxAttempts <= 1 || !(isRetrySafe(req.method) || policy.assumeIdempotent))
        return Promise.reject(failed(firstError, req, 1));
      const state: { attempts: number; sleepingAfter?: number } = { attempts: 1 };
      const onDecision = decisionListener(tracer, req);
      return retryAfterFirstFailure(
        {
          attempt: (n) => next({ ...req, attempt: n }).then(succeeded),
          policy,
          throttle,
          deadline: req.deadline,
          signal: req.signal,
          onDecision,
          state,
        },
        firstError,
      ).catch((err: unknown) => {
        throw failed(err, req, state.attempts, state.sleepingAfter);
      });
    },
  };
}

/** What hears each retry decision of `req`: the `retry` tracer and the call's observer, or nothing when neither is on. */
function decisionListener(
  tracer: Tracer,
  req: CallRequest,
): ((error: unknown, attempt: number, d: RetryDecision) => void) | undefined {
  const traced = tracer.enabled('retry');
  const observer = req.observer;
  if (!traced && !observer) return undefined;
  return (error, attempt, d) => {
    if (traced) traceDecision(tracer, req, error, attempt, d);
    observer?.retryDecided(error, attempt, d);
  };
}

/** The error a call ends with, carrying the attempts made: `CANCELLED` when its signal aborted. */
function failed(err: unknown, req: CallRequest, attempts: number, sleepingAfter?: number): PantryError {
  const e = req.signal?.aborted
    ? cancellation(req, sleepingAfter === undefined ? undefined : `during the backoff after attempt ${sleepingAfter}`)
    : asPantryError(err, req.method.path);
  return recordCall(e, { attempts });
}

function traceDecision(tracer: Tracer, req: CallRequest, error: unknown, attempt: number, d: RetryDecision): void {
  const code = error instanceof PantryError ? error.codeName : error instanceof Error ? error.name : typeof error;
  tracer.debug(
    'retry',
    `${req.method.path} attempt ${attempt} failed with ${code}: ${d.retry ? `retrying in ${d.delayMs} ms` : `not retrying: ${d.reason}`}`,
  );
}
