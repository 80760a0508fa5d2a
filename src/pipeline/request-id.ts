import type { Interceptor } from './interceptor.js';

/**
 * Fills in `request_id` (the idempotency key of AddFood, ConsumeFood and DeleteFood) once per logical call
 * when the caller left it empty. It runs outside the retry stage, so every attempt carries the
 * same key and the server applies the write once. The request is not changed: the stage passes
 * a copy with the key on.
 *
 * @example
 * composeInterceptors([deadline, requestIdStage(), retry], transport)
 */
export function requestIdStage(): Interceptor {
  return (next) => (req) => {
    if (req.method.hasRequestId && !(req.message as { requestId?: string }).requestId) {
      return next({ ...req, message: { ...(req.message as object), requestId: crypto.randomUUID() } });
    }
    return next(req);
  };
}
