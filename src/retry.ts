import pRetry from 'p-retry';
import { Code } from './code.js';
import type { CallRequest, Interceptor } from './interceptor.js';
import { PantryError } from './pantry-error.js';
import { isRetrySafe, nextRetry, resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';
import type { RetryThrottle } from './retry-throttle.js';
import type { Tracer } from './trace.js';

/**
 * Retries safe calls with p-retry: only methods that {@link isRetrySafe} allows (or a call with
 * `retry.assumeIdempotent`), only retryable codes, with jittered exponential backoff or the
 * server's pushback, within the call's deadline and the client's {@link RetryThrottle}.
 * p-retry runs the attempts; {@link nextRetry} decides each delay, which sleeps here so it can
 * honour pushback and be cut short by the caller's signal.
 *
 * @example
 * composeInterceptors([deadline, retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer)], transport)
 */
export function retryStage(clientPolicy: RetryPolicy, throttle: RetryThrottle, tracer: Tracer): Interceptor {
  return (next) => (req) => {
    const policy = req.options.retry === undefined ? clientPolicy : resolveRetryPolicy(req.options.retry, clientPolicy, 'call option retry');
    const attempt = (n: number) => {
      req.attempt = n;
      req.attemptsMade = n;
      return next(req).then(
        (res) => {
          throttle.onSuccess();
          return res;
        },
        (err: unknown) => {
          if (err instanceof PantryError && policy.retryableCodes.includes(err.code)) throttle.onFailure();
          throw err;
        },
      );
    };
    if (policy.maxAttempts <= 1 || !(isRetrySafe(req.method) || policy.assumeIdempotent)) return attempt(1);
    return pRetry(attempt, {
      retries: policy.maxAttempts - 1,
      minTimeout: 0, // the delay is slept in shouldRetry, where pushback and the deadline are known
      signal: req.signal,
      shouldRetry: async ({ error, attemptNumber }) => {
        const decision = nextRetry({ error, attempt: attemptNumber, policy, deadline: req.deadline, now: Date.now(), throttleAllows: throttle.allowsRetry() });
        if (tracer.enabled('retry')) traceDecision(tracer, req, error, decision);
        if (!decision.retry) return false;
        await sleep(decision.delayMs, req);
        return true;
      },
    });
  };
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
  return new PantryError({ code: Code.CANCELLED, details: `cancelled by the caller's AbortSignal during the backoff after attempt ${req.attempt}`, method: req.method.path, cause: req.signal?.reason });
}
