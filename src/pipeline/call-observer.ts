import type { RetryDecision } from '../retry/policy.js';

/**
 * Hears what happens inside one logical call that the stages around it cannot see: the retry
 * stage tells it every decision it takes after a failed attempt (retry after a delay, or stop and
 * why). A stage that wants to know sets it on the request it passes on (`next({ ...req, observer })`);
 * the telemetry stage does, to put backoff and pushback on the call's span.
 *
 * @example
 * const observer: CallObserver = {
 *   retryDecided: (error, attempt, d) => console.log(attempt, d.retry ? `again in ${d.delayMs} ms` : d.reason),
 * };
 * return next({ ...req, observer });
 */
export interface CallObserver {
  /** Attempt `attempt` failed with `error`; `decision` says whether and when the next one starts. */
  retryDecided(error: unknown, attempt: number, decision: RetryDecision): void;
}
