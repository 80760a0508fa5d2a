import { Code } from '../errors/code.js';
import type { CallRequest, Interceptor } from './interceptor.js';
import { configError, PantryError } from '../errors/pantry-error.js';
import type { ServiceDefinition } from '../schema/method-info.js';
import type { Tracer } from '../observability/tracer.js';

/** Deadline settings of a client. */
export interface DeadlinePolicy {
  /** Unary calls: default time for the whole call in ms. */
  deadlineMs: number;
  /** Server streams: default time in ms (`Infinity` unless set: watches stay open). */
  streamDeadlineMs: number;
  /** Per-method overrides by the proto's method name, e.g. `{ ListFoods: 30_000 }` (see {@link resolveMethodDeadlines}). */
  methodDeadlineMs: Readonly<Record<string, number>>;
}

/**
 * The outermost stage: fixes one absolute deadline for the whole logical call, so every attempt
 * and every backoff sleep share it, and passes the request on with it (`{ ...req, deadline }`).
 * A call that fails with `DEADLINE_EXCEEDED` gets a hint saying the budget and the attempts.
 *
 * @example
 * composeInterceptors([deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer), …], transport)
 */
export function deadlineStage(policy: DeadlinePolicy, tracer: Tracer): Interceptor {
  return (next) => (req) => {
    const deadline = callDeadline(policy, req);
    if (tracer.enabled('deadline'))
      tracer.debug(
        'deadline',
        `${req.method.path} deadline ${Number.isFinite(deadline) ? `in ${Math.round(deadline - Date.now())} ms` : 'none'}`,
      );
    return next({ ...req, deadline }).catch((err: unknown) => {
      throw deadlineFailure(err, deadline, req);
    });
  };
}

/**
 * The absolute deadline (epoch ms) of a logical call: the call's `deadline` or `deadlineMs`, the
 * method's, else the client's for its kind, from when the call started. The deadline stage's
 * rule, shared with the client's fused unary path.
 *
 * @example
 * const deadline = callDeadline(policy, req); // req.startedAt + 10_000 with the defaults
 */
export function callDeadline(policy: DeadlinePolicy, req: CallRequest): number {
  const o = req.options; // checked by checkCallOptions when the call started
  if (o.deadline !== undefined) return +o.deadline;
  const ms =
    o.deadlineMs ??
    (Object.hasOwn(policy.methodDeadlineMs, req.method.name) ? policy.methodDeadlineMs[req.method.name] : undefined) ??
    (req.kind === 'unary' ? policy.deadlineMs : policy.streamDeadlineMs);
  return req.startedAt + ms;
}

/**
 * What a call that failed under `deadline` reports: a `DEADLINE_EXCEEDED` without a hint gets one
 * saying the budget and the attempts. A transport failure (`UNAVAILABLE`, `INTERNAL`) that arrives
 * once the deadline has passed is reported as `DEADLINE_EXCEEDED` too, its own text kept: it is the
 * deadline's doing — a proxy answers the server's reset of the expired stream before the client's
 * own timer fires (Envoy: "reset reason: remote reset"). Anything else is passed on.
 *
 * @example
 * next(req).catch((err) => { throw deadlineFailure(err, deadline, req); });
 */
export function deadlineFailure(err: unknown, deadline: number, req: CallRequest): unknown {
  if (!(err instanceof PantryError)) return err;
  const now = Date.now();
  if (err.code === Code.DEADLINE_EXCEEDED && !err.hint)
    return withDeadlineHint(err, deadline - req.startedAt, now - req.startedAt);
  if ((err.code === Code.UNAVAILABLE || err.code === Code.INTERNAL) && now >= deadline) {
    const late = new PantryError({
      code: Code.DEADLINE_EXCEEDED,
      details: `deadline exceeded; the last attempt ended with ${err.codeName}: ${err.details}`,
      method: err.method,
      metadata: err.metadata,
      statusDetails: err.statusDetails,
      cause: err,
      attempts: err.attempts,
    });
    return withDeadlineHint(late, deadline - req.startedAt, now - req.startedAt);
  }
  return err;
}

function withDeadlineHint(e: PantryError, budgetMs: number, elapsedMs: number): PantryError {
  const attempts = e.attempts;
  return new PantryError({
    code: e.code,
    details: e.details,
    method: e.method,
    metadata: e.metadata,
    statusDetails: e.statusDetails,
    cause: e.cause,
    attempts,
    hint: `the call did not finish within its deadline of ${Math.round(budgetMs)} ms (${attempts} attempt${attempts === 1 ? '' : 's'} in ${elapsedMs} ms). Raise deadlineMs for this call or method, or look at why the server is slow`,
  });
}

/**
 * Checks the client option `methodDeadlineMs` against the methods of `services`: a key is the
 * proto's method name (`ListFoods`) or the client's (`listFoods`); any other key is refused with
 * the list of valid ones, never ignored. Returns the deadlines by proto method name.
 *
 * @example
 * resolveMethodDeadlines({ listFoods: 30_000 }, [FoodStorageServiceDefinition], checkMs) // { ListFoods: 30000 }
 */
export function resolveMethodDeadlines(
  given: unknown,
  services: readonly ServiceDefinition[],
  checkMs: (value: unknown, from: string) => number | undefined,
): Record<string, number> {
  const deadlines: Record<string, number> = Object.create(null);
  if (given === undefined) return deadlines;
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    throw configError(
      Code.INVALID_ARGUMENT,
      `option methodDeadlineMs must be an object of milliseconds by method name, got ${given === null ? 'null' : Array.isArray(given) ? 'an array' : typeof given}`,
    );
  const byName = new Map<string, string>(); // client or proto name → proto name
  for (const service of services) {
    for (const [jsName, def] of Object.entries(service.methods)) byName.set(jsName, def.name).set(def.name, def.name);
  }
  const from = new Map<string, string>();
  for (const [key, ms] of Object.entries(given)) {
    const name = byName.get(key);
    if (name === undefined)
      throw configError(
        Code.INVALID_ARGUMENT,
        `option methodDeadlineMs: no method named "${key}"`,
        `valid names: ${[...byName.keys()].join(', ')}`,
      );
    if (from.has(name))
      throw configError(
        Code.INVALID_ARGUMENT,
        `option methodDeadlineMs: "${from.get(name)}" and "${key}" name the same method`,
      );
    from.set(name, key);
    const value = checkMs(ms, `option methodDeadlineMs.${key}`);
    if (value !== undefined) deadlines[name] = value;
  }
  return deadlines;
}
