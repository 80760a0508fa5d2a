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
 * The outermost stage: fixes one absolute deadline for the whole logical call, so every attempt
 * and every backoff sleep share it. A per-call `deadlineMs` that is not a positive number is an
 * `INVALID_ARGUMENT`. (What a failed call reports — how long it ran, how many attempts — is
 * settled by {@link finishCallError} when the call ends.)
 *
 * @example
 * composeInterceptors([deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer), …], transport)
 */
export function deadlineStage(policy: DeadlinePolicy, tracer: Tracer): Interceptor {
  return (next) => (req) => {
    const o = req.options;
    if (o.deadline !== undefined) {
      req.deadline = +o.deadline;
      if (Number.isNaN(req.deadline)) throw new PantryError({ code: Code.INVALID_ARGUMENT, details: `call option deadline must be a Date or epoch milliseconds, got ${String(o.deadline)}`, method: req.method.path });
    } else {
      const ms = o.deadlineMs ?? policy.methodDeadlineMs[req.method.name] ?? (req.method.kind === 'unary' ? policy.deadlineMs : policy.streamDeadlineMs);
      if (!(ms > 0)) throw new PantryError({ code: Code.INVALID_ARGUMENT, details: `call option deadlineMs must be a positive number of milliseconds, got ${JSON.stringify(ms)}`, method: req.method.path });
      req.deadline = req.startedAt + ms;
    }
    if (tracer.enabled('deadline')) tracer.debug('deadline', `${req.method.path} deadline ${Number.isFinite(req.deadline) ? `in ${Math.round(req.deadline - Date.now())} ms` : 'none'}`);
    return next(req);
  };
}
