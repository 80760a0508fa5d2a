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
      return next({ ...req, message: { ...(req.message as object), requestId: newRequestId() } });
    }
    return next(req);
  };
}

/**
 * A random UUID (v4): `crypto.randomUUID()` where there is one (Node, Bun, Deno, secure browser
 * pages), else built from `crypto.getRandomValues`, which browsers also offer to plain-http pages.
 */
const newRequestId: () => string =
  typeof crypto.randomUUID === 'function'
    ? () => crypto.randomUUID()
    : () => {
        const b = crypto.getRandomValues(new Uint8Array(16));
        b[6] = (b[6]! & 0x0f) | 0x40;
        b[8] = (b[8]! & 0x3f) | 0x80;
        const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      };
