import { PantryError, recordCall } from '../errors/pantry-error.js';
import type { Tracer } from '../observability/tracer.js';
import { isHedgeable, resolveHedgingPolicy, runHedged, type HedgingPolicy } from '../retry/hedging.js';
import { isRetrySafe, resolveRetryPolicy, type RetryDecision, type RetryPolicy } from '../retry/policy.js';
import { retryAfterFirstFailure } from '../retry/run.js';
import type { RetryThrottle } from '../retry/throttle.js';
import { Code } from '../errors/code.js';
import { asPantryError, cancellation } from './call-error.js';
import type { CallFn, CallRequest, CallResponse, Interceptor } from './interceptor.js';

/**
 * Retries safe calls (with p-retry, see {@link retryAfterFirstFailure}): only methods that
 * {@link isRetrySafe} allows (or a call with `retry.assumeIdempotent`), only retryable codes,
 * with jittered exponential backoff or the server's pushback, within the call's deadline and the
 * client's {@link RetryThrottle}. Each attempt goes on as `{ ...req, attempt: n }`; the error of
 * a failed call carries the attempts made. With a hedging policy (the client's, or the call's
 * `hedging` option), calls of `NO_SIDE_EFFECTS` methods are hedged instead ({@link hedgedCall}).
 *
 * @example
 * composeInterceptors([deadline, retryStage(DEFAULT_RETRY, new RetryThrottle(), tracer)], transport)
 */
export function retryStage(
  clientPolicy: RetryPolicy,
  throttle: RetryThrottle,
  tracer: Tracer,
  clientHedging?: HedgingPolicy,
): Interceptor {
  const retries = retrying(clientPolicy, throttle, tracer);
  return (next) => {
    const succeeded = (res: CallResponse) => {
      throttle.onSuccess();
      return res;
    };
    return (req) => {
      if (clientHedging !== undefined || req.options.hedging !== undefined) {
        let hedging: HedgingPolicy | undefined;
        try {
          hedging = hedgingOf(req, clientHedging);
        } catch (err) {
          return Promise.reject(err);
        }
        if (hedging) return hedgedCall(next, req, hedging, clientPolicy, throttle, tracer);
      }
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

/**
 * The hedging policy of a call, or `undefined` when it is not hedged: the call's `hedging` option
 * over the client's, for `NO_SIDE_EFFECTS` methods only. Asking for hedging on any other method
 * in a call option is an `INVALID_ARGUMENT` error naming it; the client's option just skips it.
 *
 * @example
 * hedgingOf(req, { delayMs: 50, maxAttempts: 2 }) // undefined for AddFood
 */
export function hedgingOf(req: CallRequest, clientHedging: HedgingPolicy | undefined): HedgingPolicy | undefined {
  const own = req.options.hedging;
  const policy = resolveHedgingPolicy(own, clientHedging, 'call option hedging', req.method.path);
  if (policy === undefined || isHedgeable(req.method)) return policy;
  if (own === undefined) return undefined;
  throw new PantryError({
    code: Code.INVALID_ARGUMENT,
    details: `call option hedging: ${req.method.name} is not a NO_SIDE_EFFECTS unary method; only reads are hedged`,
    method: req.method.path,
    hint: 'hedge reads only (GetFood, ListFoods, Hello); writes are retried with their request_id instead',
  });
}

/**
 * Request metadata key that marks the attempts of one hedged call with one id, so that the
 * client's `round_robin` balancer sends each hedge to a backend the call has not used yet. That
 * balancer removes it before the request is sent; under `pick_first` it reaches the server, which
 * ignores it.
 *
 * @example
 * metadata.set(HEDGE_ID_KEY, 'h-42'); // on every attempt of the call
 */
export const HEDGE_ID_KEY = 'pantry-hedge-id';

let hedgedCalls = 0;

/**
 * One hedged call through `next` ({@link runHedged}): attempts 1, 2, … go on as
 * `{ ...req, attempt: n, signal, metadata }` with a signal of their own that aborts when another
 * attempt has won, and the call's hedge id in the metadata ({@link HEDGE_ID_KEY}). It shares the
 * client's throttle and the call's deadline; the `retry` tracer records each hedge, failure and
 * winner; the error of a failed call carries the attempts sent.
 *
 * @example
 * hedgedCall(next, req, { delayMs: 50, maxAttempts: 2 }, DEFAULT_RETRY, throttle, tracer)
 */
export function hedgedCall(
  next: CallFn,
  req: CallRequest,
  hedging: HedgingPolicy,
  clientPolicy: RetryPolicy,
  throttle: RetryThrottle,
  tracer: Tracer,
): Promise<CallResponse> {
  let retry: RetryPolicy;
  try {
    retry =
      req.options.retry === undefined
        ? clientPolicy
        : resolveRetryPolicy(req.options.retry, clientPolicy, 'call option retry', req.method.path);
  } catch (err) {
    return Promise.reject(err);
  }
  const state: { attempts: number; winner?: number } = { attempts: 0 };
  const onEvent = tracer.enabled('retry')
    ? (event: string) => tracer.debug('retry', `${req.method.path} hedging: ${event}`)
    : undefined;
  const id = `h-${++hedgedCalls}`; // one channel's balancer reads it: unique within the process
  return runHedged<CallResponse>({
    attempt: (n, signal) => {
      const metadata = req.metadata.clone();
      metadata.set(HEDGE_ID_KEY, id);
      return next({ ...req, attempt: n, signal, metadata });
    },
    hedging,
    retry,
    throttle,
    deadline: req.deadline,
    signal: req.signal,
    onEvent,
    state,
  }).catch((err: unknown) => {
    throw failed(err, req, Math.max(1, state.attempts));
  });
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
