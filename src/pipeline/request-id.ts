import { randomUUID } from 'node:crypto';
import type { Interceptor } from './interceptor.js';

/**
 * Fills in `request_id` (the idempotency key of AddFood, ConsumeFood and DeleteFood) once per logical call
 * when the caller left it empty. It runs outside the retry stage, so every attempt carries the
 * same key and the server applies the write once.
 *
 * @example
 * composeInterceptors([deadline, requestIdStage(), retry], transport)
 */
export function requestIdStage(): Interceptor {
  return (next) => (req) => {
    if (req.method.hasRequestId) {
      const message = req.message as { requestId?: string };
      if (!message.requestId) message.requestId = randomUUID();
    }
    return next(req);
  };
}
