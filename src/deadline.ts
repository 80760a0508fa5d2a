import { Code } from './code.js';
import type { Interceptor } from './interceptor.js';
import { PantryError } from './pantry-error.js';
import type { Tracer } from './trace.js';

/** Deadline settings of a client. */
export interface DeadlinePolicy {
  /** Unary calls: default time for the whole call in ms. */
  deadlineMs: number;
  /** Server streams: default time in ms (`Infinity` unless set: watches stay open). */
  streamDeadlineMs: number;
  /** Per-method overrides by method name, e.g. `{ ListFoods: 30_000 }`. */
  methodDeadlineMs: Readonly<Record<string, number>>;
}

/**
 * The outermost stage: fixes one absolute deadline for the whole logical call (all attempts and
 * backoff sleeps share it), and turns every failure into a {@link PantryError} that says how
 * long the call ran and how many attempts it made.
 *
 * @example
 * composeInterceptors([deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer), …], transport)
 */
export function deadlineStage(policy: DeadlinePolicy, tracer: Tracer): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const o = req.options;
    const budget = o.deadline !== undefined ? undefined : o.deadlineMs ?? policy.methodDeadlineMs[req.method.name] ?? (req.method.kind === 'unary' ? policy.deadlineMs : policy.streamDeadlineMs);
    req.deadline = o.deadline !== undefined ? +o.deadline : Date.now() + budget!;
    const budgetMs = budget ?? req.deadline - Date.now();
    if (tracer.enabled('deadline')) tracer.debug('deadline', `${req.method.path} deadline ${Number.isFinite(req.deadline) ? `in ${Math.round(req.deadline - Date.now())} ms` : 'none'}`);
    try {
      return await next(req);
    } catch (err) {
      throw finalError(err, req.method.path, req.attemptsMade, performance.now() - start, req.signal, budgetMs);
    }
  };
}

function finalError(err: unknown, method: string, attempts: number, elapsed: number, signal: AbortSignal | undefined, budgetMs: number): PantryError {
  const elapsedMs = Math.round(elapsed);
  if (signal?.aborted && !(err instanceof PantryError && err.code === Code.CANCELLED)) {
    err = new PantryError({ code: Code.CANCELLED, details: `cancelled by the caller's AbortSignal${signal.reason instanceof Error ? `: ${signal.reason.message}` : ''}`, method, cause: signal.reason });
  }
  if (!(err instanceof PantryError)) {
    err = new PantryError({ code: Code.UNKNOWN, details: `the call failed inside the client: ${err instanceof Error ? err.message : String(err)}`, method, cause: err });
  }
  let e = err as PantryError;
  if (e.code === Code.DEADLINE_EXCEEDED && !e.hint) {
    e = new PantryError({
      code: e.code,
      details: e.details,
      method: e.method || method,
      metadata: e.metadata,
      cause: e.cause,
      hint: `the call did not finish within its deadline of ${Math.round(budgetMs)} ms (${attempts} attempt${attempts === 1 ? '' : 's'} in ${elapsedMs} ms). Raise deadlineMs for this call or method, or look at why the server is slow`,
    });
  }
  e.attempts = attempts;
  e.elapsedMs = elapsedMs;
  return e;
}
