import { Code } from '../errors/code.js';
import type { CallRequest } from './interceptor.js';
import { PantryError } from '../errors/pantry-error.js';

/**
 * Settles what a failed logical call reports, once, when it ends: any failure becomes a
 * {@link PantryError} with the attempts made and the time taken; an aborted signal reads as
 * `CANCELLED`; a deadline error says the budget and the attempts.
 *
 * @example
 * pipeline(req).then((res) => res.message, (err) => { throw finishCallError(err, req); });
 */
export function finishCallError(err: unknown, req: CallRequest): PantryError {
  const method = req.method.path;
  const signal = req.signal;
  if (signal?.aborted && !isCancellation(err, signal.reason)) err = cancellation(req);
  if (!(err instanceof PantryError)) {
    err = new PantryError({ code: Code.UNKNOWN, details: `the call failed inside the client: ${err instanceof Error ? err.message : String(err)}`, method, cause: err });
  }
  let e = err as PantryError;
  const attempts = req.attempt;
  const elapsedMs = Date.now() - req.startedAt;
  if (e.code === Code.DEADLINE_EXCEEDED && !e.hint) {
    const budgetMs = Math.round(req.deadline - req.startedAt);
    e = new PantryError({
      code: e.code,
      details: e.details,
      method: e.method || method,
      metadata: e.metadata,
      cause: e.cause,
      hint: `the call did not finish within its deadline of ${budgetMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'} in ${elapsedMs} ms). Raise deadlineMs for this call or method, or look at why the server is slow`,
    });
  }
  e.attempts = attempts;
  e.elapsedMs = elapsedMs;
  return e;
}

/** True for a CANCELLED error already made for this abort (never the shared reason itself, which stays unchanged). */
function isCancellation(err: unknown, reason: unknown): boolean {
  if (!(err instanceof PantryError) || err.code !== Code.CANCELLED || err === reason) return false;
  return !(reason instanceof PantryError) || err.details.startsWith(reason.details);
}

/**
 * The error of a call whose signal aborted: the client's own reason when `close()` aborted it
 * (a fresh copy naming the method), else "cancelled by the caller's AbortSignal", with `during`
 * telling where the call was.
 *
 * @example
 * if (req.signal?.aborted) throw cancellation(req, `during the backoff after attempt ${req.attempt}`);
 */
export function cancellation(req: CallRequest, during?: string): PantryError {
  const reason = req.signal?.reason;
  const where = during ? ` ${during}` : '';
  if (reason instanceof PantryError) return new PantryError({ code: reason.code, details: `${reason.details}${where}`, method: req.method.path, hint: reason.hint });
  return new PantryError({ code: Code.CANCELLED, details: `cancelled by the caller's AbortSignal${where}${reason instanceof Error ? `: ${reason.message}` : ''}`, method: req.method.path, cause: reason });
}
