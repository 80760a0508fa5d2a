import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { finishCallError } from './call-error.js';
import type { CallRequest, CallResponse } from './interceptor.js';

/**
 * What the caller of a unary method gets from the pipeline's answer: the message (after the
 * `onHeader`/`onTrailer` callbacks), or the finished error. `release` runs first either way. One
 * place for the full pipeline and the fused unary path.
 *
 * @example
 * return settleUnary(pipeline(req), req, release);
 */
export function settleUnary(call: Promise<CallResponse>, req: CallRequest, release: () => void): Promise<unknown> {
  return call.then(
    (res) => {
      release();
      if (res.kind !== 'unary')
        throw new PantryError({
          code: Code.INTERNAL,
          details: `the pipeline answered a unary call with a ${res.kind} response`,
          method: req.method.path,
        });
      if (res.header) req.options.onHeader?.(res.header);
      if (res.trailer) req.options.onTrailer?.(res.trailer);
      return res.message;
    },
    (err: unknown) => {
      release();
      throw finishCallError(err, req);
    },
  );
}
