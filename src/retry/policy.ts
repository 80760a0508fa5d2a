import { Code } from '../errors/code.js';
import type { MethodInfo } from '../schema/method-info.js';
import { PantryError } from '../errors/pantry-error.js';
import { retryInfoDelayMs } from '../errors/status-details.js';

/**
 * When and how often a call is retried. Every field is optional; per-call values override the
 * client's, which override the defaults shown.
 *
 * @example
 * createClient({ address, certDir, retry: { maxAttempts: 5, initialBackoffMs: 50 } });
 * await client.foodStorage.getFood({ id }, { retry: false }); // this call only: no retries
 */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 4; 1 disables retries. Max 10. */
  maxAttempts?: number;
  /** Upper bound of the first backoff; each attempt waits a random time up to the bound (full jitter). Default 100 ms. */
  initialBackoffMs?: number;
  /** Cap of the backoff bound. Default 2000 ms. */
  maxBackoffMs?: number;
  /** Growth of the backoff bound per attempt. Default 2. */
  backoffMultiplier?: number;
  /**
   * Codes that are retried. Default `[Code.UNAVAILABLE]`; `RESOURCE_EXHAUSTED` is retried whenever
   * the server sends pushback (`grpc-retry-pushback-ms`, or a `google.rpc.RetryInfo` detail).
   */
  retryableCodes?: readonly Code[];
  /**
   * Retry even though the method is not marked safe (`idempotency_level`) and carries no
   * `request_id`. You assert that repeating the call does no harm. Default false.
   */
  assumeIdempotent?: boolean;
}

/** Retry options with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
  backoffMultiplier: 2,
  retryableCodes: Object.freeze([Code.UNAVAILABLE]),
  assumeIdempotent: false,
});

/**
 * Merges retry options over a base policy, checking every value and refusing unknown settings;
 * `false` means one attempt.
 *
 * @example
 * const policy = resolveRetryPolicy({ maxAttempts: 2 }, DEFAULT_RETRY, 'option retry');
 */
export function resolveRetryPolicy(
  options: RetryOptions | false | undefined,
  base: RetryPolicy,
  from: string,
  method?: string,
): RetryPolicy {
  if (options === undefined) return base;
  if (options === false) return { ...base, maxAttempts: 1 };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: `${from} must be false or an object of retry settings, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : JSON.stringify(options)}`,
      method,
    });
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(DEFAULT_RETRY, key))
      throw new PantryError({
        code: Code.INVALID_ARGUMENT,
        details: `${from}: unknown retry setting "${key}"`,
        method,
        hint: `known retry settings: ${Object.keys(DEFAULT_RETRY).join(', ')}`,
      });
  }
  const p: RetryPolicy = { ...base, ...stripUndefined(options) };
  const bad = (field: string, want: string, got: unknown) =>
    new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: `${from}.${field}: must be ${want}, got ${JSON.stringify(got)}`,
      method,
    });
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 || p.maxAttempts > 10)
    throw bad('maxAttempts', 'an integer from 1 to 10', p.maxAttempts);
  if (!(p.initialBackoffMs >= 0 && Number.isFinite(p.initialBackoffMs)))
    throw bad('initialBackoffMs', 'a non-negative number', p.initialBackoffMs);
  if (!(p.maxBackoffMs >= p.initialBackoffMs && Number.isFinite(p.maxBackoffMs)))
    throw bad('maxBackoffMs', 'a number at least initialBackoffMs', p.maxBackoffMs);
  if (!(p.backoffMultiplier >= 1 && Number.isFinite(p.backoffMultiplier)))
    throw bad('backoffMultiplier', 'a number at least 1', p.backoffMultiplier);
  if (!Array.isArray(p.retryableCodes) || !p.retryableCodes.every((c) => Number.isInteger(c) && c > 0 && c <= 16))
    throw bad('retryableCodes', 'a list of status codes', p.retryableCodes);
  if (typeof p.assumeIdempotent !== 'boolean') throw bad('assumeIdempotent', 'a boolean', p.assumeIdempotent);
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * True when repeating the method cannot apply a change twice: the proto marks it
 * `NO_SIDE_EFFECTS` or `IDEMPOTENT`, or it carries a `request_id` the server dedupes.
 *
 * @example
 * isRetrySafe(method) // true for GetFood and AddFood, false for an unmarked method
 */
export function isRetrySafe(method: MethodInfo): boolean {
  return method.idempotency !== 'IDEMPOTENCY_UNKNOWN' || method.hasRequestId;
}

/** Why the retry stage does (delay) or does not (stop) try again. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Decides whether a failed attempt is retried and after how long (gRFC A6): retryable code,
 * server pushback (`grpc-retry-pushback-ms`, else a `google.rpc.RetryInfo` detail's
 * `retry_delay`; negative stops), attempts left, throttle, and the time left before the
 * deadline. `random` is injectable for tests.
 *
 * @example
 * nextRetry({ error, attempt: 1, policy, deadline, now: Date.now(), throttleAllows: true })
 */
export function nextRetry(input: {
  error: unknown;
  attempt: number;
  policy: RetryPolicy;
  deadline: number;
  now: number;
  throttleAllows: boolean;
  random?: () => number;
}): RetryDecision {
  const { error, attempt, policy } = input;
  if (!(error instanceof PantryError)) return { retry: false, reason: 'not a gRPC status' };
  const pushback = pushbackMs(error);
  if (pushback === 'stop') return { retry: false, reason: 'server pushback says stop' };
  const codeRetryable =
    policy.retryableCodes.includes(error.code) || (error.code === Code.RESOURCE_EXHAUSTED && pushback !== undefined);
  if (!codeRetryable) return { retry: false, reason: `${error.codeName} is not retryable` };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `${policy.maxAttempts} attempts made` };
  // A first attempt refused before processing (a proxy draining its connection) is retried at once
  // and does not need the throttle: it is no sign of a failing server (gRFC A6 transparent retry).
  const transparent = isTransparentRetry(error, attempt);
  if (!input.throttleAllows && !transparent)
    return { retry: false, reason: 'retry throttle engaged (too many recent failures)' };
  const bound = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1));
  const delayMs = transparent ? 0 : (pushback ?? Math.round((input.random ?? Math.random)() * bound));
  if (input.now + delayMs >= input.deadline)
    return { retry: false, reason: `the next backoff (${delayMs} ms) would pass the deadline` };
  return { retry: true, delayMs };
}

/**
 * True for the first attempt of a call refused with HTTP/2 REFUSED_STREAM (grpc-js: "Stream refused
 * by server"), as Envoy does to a stream that races its GOAWAY: retried at once, not charged to the
 * throttle. Later refusals are ordinary failures, so a proxy that refuses every call (HAProxy with
 * its backend gone) still meets the backoff and the throttle. Only calls that may be retried at
 * all get here: HAProxy also answers REFUSED_STREAM after the server applied a call.
 *
 * @example
 * isTransparentRetry(err, 1) // true for UNAVAILABLE "Stream refused by server" on attempt 1
 */
export function isTransparentRetry(error: unknown, attempt: number): boolean {
  return (
    attempt === 1 &&
    error instanceof PantryError &&
    error.code === Code.UNAVAILABLE &&
    error.details === 'Stream refused by server'
  );
}

/**
 * The server's pushback in ms, `'stop'` for a negative or malformed one, `undefined` for none:
 * the `grpc-retry-pushback-ms` trailer, else the `retry_delay` of a `google.rpc.RetryInfo`
 * detail (rounded up to whole ms), honoured alike.
 *
 * @example
 * pushbackMs(err) // 250 for RetryInfo { retry_delay: 0.25s } and no pushback trailer
 */
export function pushbackMs(error: PantryError): number | 'stop' | undefined {
  const raw = error.metadata.get('grpc-retry-pushback-ms')[0];
  if (raw === undefined) return retryInfoDelayMs(error.statusDetails);
  const text = String(raw);
  return /^\d{1,9}$/.test(text) ? Number(text) : 'stop';
}
