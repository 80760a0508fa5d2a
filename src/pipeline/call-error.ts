import { Code } from '../errors/code.js';
import { PantryError, recordCall } from '../errors/pantry-error.js';
import type { CallRequest } from './interceptor.js';

/**
 * Settles what a failed logical call reports, once, when it ends: any failure becomes a
 * {@link PantryError} with the time taken and the attempts the retry stage recorded on it; an
 * aborted signal reads as `CANCELLED`. (The deadline stage has already added its hint.)
 *
 * @example
 * pipeline(req).then((res) => res, (err) => { throw finishCallError(err, req); });
 */
export function finishCallError(err: unknown, req: CallRequest): PantryError {
  const attempts = err instanceof PantryError && err !== req.signal?.reason ? err.attempts : 0;
  const signal = req.signal;
  if (signal?.aborted && !isCancellation(err, signal.reason)) err = cancellation(req);
  return recordCall(asPantryError(err, req.method.path), { attempts, elapsedMs: Date.now() - req.startedAt });
}

/**
 * The error of an attempt as a {@link PantryError}: itself when it is one, else `UNKNOWN`
 * ("the call failed inside the client: …") with the original as `cause`.
 *
 * @example
 * throw asPantryError(new TypeError('boom'), '/hello.v1.HelloService/Hello'); // [UNKNOWN] … boom
 */
export function asPantryError(err: unknown, method: string): PantryError {
  if (err instanceof PantryError) return err;
  return new PantryError({
    code: Code.UNKNOWN,
    details: `the call failed inside the client: ${err instanceof Error ? err.message : String(err)}`,
    method,
    cause: err,
  });
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
 * if (req.signal?.aborted) throw cancellation(req, 'during the backoff after attempt 1');
 */
export function cancellation(req: CallRequest, during?: string): PantryError {
  const reason = req.signal?.reason;
  const where = during ? ` ${during}` : '';
  if (reason instanceof PantryError)
    return new PantryError({
      code: reason.code,
      details: `${reason.details}${where}`,
      method: req.method.path,
      hint: reason.hint,
    });
  return new PantryError({
    code: Code.CANCELLED,
    details: `cancelled by the caller's AbortSignal${where}${reason instanceof Error ? `: ${reason.message}` : ''}`,
    method: req.method.path,
    cause: reason,
  });
}
