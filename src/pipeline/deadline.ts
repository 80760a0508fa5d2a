import { Code } from '../errors/code.js';
import type { Interceptor } from './interceptor.js';
import { configError } from '../errors/pantry-error.js';
import type { ServiceDefinition } from '../client/service-client.js';
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
 * and every backoff sleep share it. (The call options were checked by {@link checkCallOptions}
 * when the call started. What a failed call reports — how long it ran, how many attempts — is
 * settled by {@link finishCallError} when the call ends.)
 *
 * @example
 * composeInterceptors([deadlineStage({ deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer), …], transport)
 */
export function deadlineStage(policy: DeadlinePolicy, tracer: Tracer): Interceptor {
  return (next) => (req) => {
    const o = req.options; // checked by checkCallOptions when the call started
    if (o.deadline !== undefined) req.deadline = +o.deadline;
    else {
      const ms = o.deadlineMs ?? (Object.hasOwn(policy.methodDeadlineMs, req.method.name) ? policy.methodDeadlineMs[req.method.name] : undefined) ?? (req.method.kind === 'unary' ? policy.deadlineMs : policy.streamDeadlineMs);
      req.deadline = req.startedAt + ms;
    }
    if (tracer.enabled('deadline')) tracer.debug('deadline', `${req.method.path} deadline ${Number.isFinite(req.deadline) ? `in ${Math.round(req.deadline - Date.now())} ms` : 'none'}`);
    return next(req);
  };
}

/**
 * Checks the client option `methodDeadlineMs` against the methods of `services`: a key is the
 * proto's method name (`ListFoods`) or the client's (`listFoods`); any other key is refused with
 * the list of valid ones, never ignored. Returns the deadlines by proto method name.
 *
 * @example
 * resolveMethodDeadlines({ listFoods: 30_000 }, [FoodStorageServiceDefinition], checkMs) // { ListFoods: 30000 }
 */
export function resolveMethodDeadlines(given: unknown, services: readonly ServiceDefinition[], checkMs: (value: unknown, from: string) => number | undefined): Record<string, number> {
  const deadlines: Record<string, number> = Object.create(null);
  if (given === undefined) return deadlines;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw configError(Code.INVALID_ARGUMENT, `option methodDeadlineMs must be an object of milliseconds by method name, got ${given === null ? 'null' : Array.isArray(given) ? 'an array' : typeof given}`);
  const byName = new Map<string, string>(); // client or proto name → proto name
  for (const service of services) {
    for (const [jsName, def] of Object.entries(service.methods)) byName.set(jsName, def.name).set(def.name, def.name);
  }
  const from = new Map<string, string>();
  for (const [key, ms] of Object.entries(given)) {
    const name = byName.get(key);
    if (name === undefined) throw configError(Code.INVALID_ARGUMENT, `option methodDeadlineMs: no method named "${key}"`, `valid names: ${[...byName.keys()].join(', ')}`);
    if (from.has(name)) throw configError(Code.INVALID_ARGUMENT, `option methodDeadlineMs: "${from.get(name)}" and "${key}" name the same method`);
    from.set(name, key);
    const value = checkMs(ms, `option methodDeadlineMs.${key}`);
    if (value !== undefined) deadlines[name] = value;
  }
  return deadlines;
}
