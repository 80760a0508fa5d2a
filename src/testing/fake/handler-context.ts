import type { Metadata } from '@grpc/grpc-js';

/**
 * What a handler of the fake gets besides the request.
 *
 * @example
 * const fake = await createFakePantry({
 *   handlers: { getFood: async (req, ctx) => (req.id === 'food-00000001' ? { food: { id: req.id } } : ctx.next(req)) },
 * });
 */
export interface HandlerContext<Req = unknown, Res = unknown> {
  /** The request metadata, as the client sent it. */
  readonly metadata: Metadata;
  /** Aborted when the client cancels the call or its deadline passes, or the fake closes. */
  readonly signal: AbortSignal;
  /** Adds response headers (sent before the response or the status). */
  setHeader(key: string, value: string): void;
  /** The fake's own behaviour for this method: the Go server's. */
  next(request: Req): Res;
}
