import type { Interceptor } from './interceptor.js';
import { PantryError } from '../errors/pantry-error.js';
import { redactMetadata, type isSensitiveKey } from '../observability/redact.js';
import type { Tracer } from '../observability/tracer.js';

/**
 * Traces every attempt (tracer `call`): method, attempt number, deadline remaining, request
 * metadata with secrets redacted (the broad default of {@link isSensitiveKey} plus `redactKeys`), then status and latency. The client adds this stage only
 * when the tracer is on, so a client without tracing pays nothing for it.
 *
 * @example
 * // PANTRY_TRACE=call
 * // D 2026-11-25T17:00:00.000Z | @pantry/client 0.1.0 42 | call | /hello.v1.HelloService/Hello attempt=1 deadline_in=9998ms status=OK latency=0.9ms
 */
export function callTraceStage(tracer: Tracer, redactKeys: readonly string[] = []): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const deadlineIn = Number.isFinite(req.deadline) ? `${Math.round(req.deadline - Date.now())}ms` : 'none';
    const head = `${req.method.path} attempt=${req.attempt} deadline_in=${deadlineIn}`;
    const md = redactMetadata(req.metadata, redactKeys);
    tracer.debug('call', `${head} start${md ? ` metadata: ${md}` : ''}`);
    try {
      const res = await next(req);
      tracer.debug(
        'call',
        `${head} status=OK latency=${(performance.now() - start).toFixed(1)}ms${res.kind === 'server_streaming' ? ' (stream open)' : ''}`,
      );
      return res;
    } catch (err) {
      const status = err instanceof PantryError ? `${err.codeName} details="${err.details}"` : String(err);
      tracer.debug('call', `${head} status=${status} latency=${(performance.now() - start).toFixed(1)}ms`);
      throw err;
    }
  };
}
