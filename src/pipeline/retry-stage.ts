import pRetry from 'p-retry';
import { cancellation } from './call-error.js';
import type { CallFn, CallRequest, CallResponse, Interceptor } from './interceptor.js';
import { PantryError } from '../errors/pantry-error.js';
import { isRetrySafe, isTransparentRetry, nextRetry, resolveRetryPolicy, type RetryPolicy } from '../retry/policy.js';
import type { RetryThrottle } from '../retry/throttle.js';
import type { Tracer } from '../observability/tracer.js';

/**
 * Retries safe calls with p-retry: only methods that {@link isRetrySafe} allows (or a call with
 * `retry.assumeIdempotent`), only retryable codes, with jittered exponential backoff or the
 * server's pushback, within the call's deadline and the client's {@link RetryThrottle}.
 * The first attempt runs on its own, so a call that succeeds pays nothing for retrying; after a
 * failure p-retry runs the remaining attempts, and {@link nextRetry} decides each delay, slept
 * here so it can honour pushback and be cut short by the caller's signal.
 *
 * @example
 * composeInterceptors([deadline, retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer)], transport)
 */
export function retryStage(clientPolicy: RetryPolicy, throttle: RetryThrottle, tracer: Tracer): Interceptor {
  return (next) => {
    const succeeded = (res: CallResponse) => {
      throttle.onSuccess();
      return res;
    };
    return (req) => {
      const policy = req.options.retry === undefined ? clientPolicy : resolveRetryPolicy(req.options.retry, clientPolicy, 'call option retry', req.method.path);
      req.attempt = 1;
      // A success only refills the throttle's bucket: with a full bucket there is nothing to count.
      const onSuccess = throttle.full ? undefined : succeeded;
      if (policy.maxAttempts <= 1 || !(isRetrySafe(req.method) || policy.assumeIdempotent)) return onSuccess ? next(req).then(onSuccess) : next(req);
      return next(req).then(onSuccess, (error: unknown) => retryAfterFirstFailure(error, req, next, policy, throttle, tracer, succeeded));
    };
  };
}

async function retryAfterFirstFailure(
  firstError: unknown,
  req: CallRequest,
  next: CallFn,
  policy: RetryPolicy,
  throttle: RetryThrottle,
  tracer: Tracer,
  succeeded: (res: CallResponse) => CallResponse,
): Promise<CallResponse> {
  const countFailure = (error: unknown, attempt: number) => {
    if (error instanceof PantryError && policy.retryableCodes.includes(error.code) && !isTransparentRetry(error, attempt)) throttle.onFailure();
  };
  const retryAfter = async (error: Error, attempt: number): Promise<boolean> => {
    const decision = nextRetry({ error, attempt, policy, deadline: req.deadline, now: Date.now(), throttleAllows: throttle.allowsRetry() });
    if (tracer.enabled('retry')) traceDecision(tracer, req, error, decision);
    if (!decision.retry) return false;
    await sleep(decision.delayMs, req);
    return true;
  };
  countFailure(firstError, 1);
  if (!(await retryAfter(firstError as Error, 1))) throw firstError;
  // p-retry numbers its attempts from 1; ours continue from 2.
  return pRetry(
    (n) => {
      req.attempt = n + 1;
      return next(req).then(succeeded);
    },
    {
      retries: policy.maxAttempts - 2,
      minTimeout: 0, // the delay is slept in shouldRetry, where pushback and the deadline are known
      signal: req.signal,
      onFailedAttempt: ({ error, attemptNumber }) => countFailure(error, attemptNumber + 1),
      shouldRetry: ({ error, attemptNumber }) => retryAfter(error, attemptNumber + 1),
    },
  );
}

function traceDecision(tracer: Tracer, req: CallRequest, error: Error, d: ReturnType<typeof nextRetry>): void {
  const code = error instanceof PantryError ? error.codeName : error.name;
  tracer.debug('retry', `${req.method.path} attempt ${req.attempt} failed with ${code}: ${d.retry ? `retrying in ${d.delayMs} ms` : `not retrying: ${d.reason}`}`);
}

function sleep(ms: number, req: CallRequest): Promise<void> {
  const signal = req.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(req));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(req));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(req: CallRequest): PantryError {
  return cancellation(req, `during the backoff after attempt ${req.attempt}`);
}
