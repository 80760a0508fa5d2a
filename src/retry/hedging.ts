import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import type { MethodInfo } from '../schema/method-info.js';
import { pushbackMs, type RetryPolicy } from './policy.js';
import type { RetryThrottle } from './throttle.js';

/**
 * Hedged reads (gRFC A6 hedging): when the first attempt has not answered after `delayMs`, a
 * second one is sent, and so on up to `maxAttempts`; the first success wins and the others are
 * cancelled. Only for methods the proto marks `NO_SIDE_EFFECTS` (GetFood, ListFoods,
 * WatchExpiringFoods is a stream and never hedged, Hello); never for writes. Off by default.
 *
 * @example
 * createClient({ address, certDir, hedging: { delayMs: 50, maxAttempts: 2 } });
 * await client.foodStorage.getFood({ id }, { hedging: { delayMs: 20 } }); // this call only
 */
export interface HedgingOptions {
  /** How long an attempt may go unanswered before the next one is sent. Default 100 ms; 0 sends all at once. */
  delayMs?: number;
  /** Attempts in all, the first included: 2 to 5. Default 2. */
  maxAttempts?: number;
}

/** Hedging options with every default filled in. */
export type HedgingPolicy = Required<HedgingOptions>;

/** The defaults of {@link HedgingOptions}. */
export const DEFAULT_HEDGING: HedgingPolicy = Object.freeze({ delayMs: 100, maxAttempts: 2 });

/**
 * Merges hedging options over a base (the client's policy, else the defaults), checking every
 * value and refusing unknown settings; `false` (or `undefined` over no base) means no hedging.
 *
 * @example
 * resolveHedgingPolicy({ delayMs: 50 }, undefined, 'option hedging') // { delayMs: 50, maxAttempts: 2 }
 */
export function resolveHedgingPolicy(
  options: HedgingOptions | false | undefined,
  base: HedgingPolicy | undefined,
  from: string,
  method?: string,
): HedgingPolicy | undefined {
  if (options === undefined) return base;
  if (options === false) return undefined;
  const bad = (details: string, hint?: string) =>
    new PantryError({ code: Code.INVALID_ARGUMENT, details: `${from}${details}`, method, hint });
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw bad(
      ` must be false or an object { delayMs, maxAttempts }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : JSON.stringify(options)}`,
    );
  for (const key of Object.keys(options))
    if (!Object.hasOwn(DEFAULT_HEDGING, key))
      throw bad(
        `: unknown hedging setting "${key}"`,
        `known hedging settings: ${Object.keys(DEFAULT_HEDGING).join(', ')}`,
      );
  const p: HedgingPolicy = {
    delayMs: options.delayMs ?? base?.delayMs ?? DEFAULT_HEDGING.delayMs,
    maxAttempts: options.maxAttempts ?? base?.maxAttempts ?? DEFAULT_HEDGING.maxAttempts,
  };
  if (!(typeof p.delayMs === 'number' && p.delayMs >= 0 && Number.isFinite(p.delayMs)))
    throw bad(`.delayMs: must be a non-negative number of milliseconds, got ${JSON.stringify(p.delayMs)}`);
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 2 || p.maxAttempts > 5)
    throw bad(`.maxAttempts: must be an integer from 2 to 5, got ${JSON.stringify(p.maxAttempts)}`);
  return p;
}

/**
 * True for the calls hedging may repeat: unary methods the proto marks `NO_SIDE_EFFECTS`. Not
 * `IDEMPOTENT` ones (UpdateFood, DeleteFood): repeating them is harmless after a failure, but
 * two copies racing each other are writes all the same.
 *
 * @example
 * isHedgeable(getFood) // true; isHedgeable(addFood) // false
 */
export function isHedgeable(method: MethodInfo): boolean {
  return method.kind === 'unary' && method.idempotency === 'NO_SIDE_EFFECTS';
}

/**
 * What one hedged call runs and reports: attempt `n` with its own signal (aborted when another
 * attempt wins or the call ends), the rules, and the trace.
 *
 * @example
 * const state = { attempts: 0 };
 * await runHedged({ attempt: (n, signal) => send(n, signal), hedging, retry, throttle, deadline, state });
 */
export interface HedgedRun<T> {
  /** Sends attempt `n` (1, 2, …); `signal` aborts it when it has lost. */
  attempt(n: number, signal: AbortSignal): Promise<T>;
  hedging: HedgingPolicy;
  /** Which codes are non-fatal (the next hedge goes at once) comes from the retry policy's `retryableCodes`. */
  retry: RetryPolicy;
  /**
   * Shared with retries: each failed attempt with a non-fatal code takes a token; a hedge is sent
   * only while it allows retries.
   */
  throttle: RetryThrottle;
  /** Absolute deadline (epoch ms) of the whole call; no hedge starts after it. */
  deadline: number;
  /** The call's own signal: aborting it cancels every attempt. */
  signal?: AbortSignal;
  /** Sees what happens (the `retry` tracer). */
  onEvent?(event: string): void;
  /** The attempts sent so far, and which one won. */
  state: { attempts: number; winner?: number };
}

/**
 * Runs a hedged call: attempt 1 at once, then another each `delayMs` while none has answered,
 * at most `maxAttempts`, never after the deadline and never while the throttle forbids retries.
 * A non-fatal failure (a retryable code) sends the next hedge at once, or after the server's
 * pushback (a negative pushback stops hedging); a fatal one ends the call. The first success
 * wins; the other attempts are aborted through their signals. When every attempt failed, the
 * call rejects with the last error.
 *
 * @example
 * const attempt = (n: number, signal: AbortSignal) => next({ ...req, attempt: n, signal });
 * const res = await runHedged({ attempt, hedging, retry, throttle, deadline, state });
 */
export function runHedged<T>(run: HedgedRun<T>): Promise<T> {
  const { hedging, retry, throttle, deadline, signal, state } = run;
  return new Promise<T>((resolve, reject) => {
    const controllers = new Map<number, AbortController>();
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let stopped = false; // no more hedges: pushback said stop
    let lastError: unknown;

    const finish = (fn: () => void, winner?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallAbort);
      const losers = [...controllers.entries()].filter(([n]) => n !== winner);
      for (const [, c] of losers)
        c.abort(new PantryError({ code: Code.CANCELLED, details: `hedged attempt cancelled: attempt ${winner} won` }));
      if (winner !== undefined && losers.length)
        run.onEvent?.(
          `attempt ${winner} won; cancelled attempt${losers.length > 1 ? 's' : ''} ${losers.map(([n]) => n).join(', ')}`,
        );
      fn();
    };
    const onCallAbort = () => finish(() => reject(signal?.reason));

    const mayHedge = (): string | undefined => {
      if (stopped) return 'server pushback says stop';
      if (state.attempts >= hedging.maxAttempts) return `${hedging.maxAttempts} attempts sent`;
      if (Date.now() >= deadline) return 'the deadline has passed';
      if (!throttle.allowsRetry()) return 'retry throttle engaged (too many recent failures)';
      return undefined;
    };
    const schedule = (ms: number) => {
      clearTimeout(timer);
      timer = undefined;
      if (settled || mayHedge() !== undefined) return;
      timer = setTimeout(() => {
        const why = mayHedge();
        if (why) run.onEvent?.(`no hedge after ${ms} ms: ${why}`);
        else send(`none answered within ${ms} ms`);
      }, ms);
      timer.unref?.();
    };
    const send = (why: string) => {
      const n = ++state.attempts;
      const controller = new AbortController();
      controllers.set(n, controller);
      if (n > 1) run.onEvent?.(`hedged attempt ${n} sent: ${why}`);
      let p: Promise<T>;
      try {
        p = run.attempt(n, controller.signal);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => {
          if (settled) return;
          throttle.onSuccess();
          state.winner = n;
          finish(() => resolve(value), n);
        },
        (err: unknown) => {
          controllers.delete(n);
          if (settled) return;
          lastError = err;
          const nonFatal = err instanceof PantryError && retry.retryableCodes.includes(err.code);
          if (nonFatal) throttle.onFailure();
          if (!nonFatal) {
            run.onEvent?.(`attempt ${n} failed with ${codeName(err)}: fatal, ending the call`);
            return finish(() => reject(err));
          }
          const pushback = pushbackMs(err);
          if (pushback === 'stop') stopped = true;
          const why = mayHedge();
          if (why === undefined) {
            run.onEvent?.(
              `attempt ${n} failed with ${codeName(err)}: next hedge ${pushback ? `in ${pushback} ms (pushback)` : 'now'}`,
            );
            if (typeof pushback === 'number' && pushback > 0) schedule(pushback);
            else send(`attempt ${n} failed with ${codeName(err)}`);
          } else if (controllers.size === 0) {
            run.onEvent?.(`attempt ${n} failed with ${codeName(err)}: no more hedges: ${why}`);
            finish(() => reject(lastError));
          }
        },
      );
      if (!settled && controllers.size > 0) schedule(hedging.delayMs);
    };

    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', onCallAbort, { once: true });
    send('first');
  });
}

function codeName(err: unknown): string {
  return err instanceof PantryError ? err.codeName : err instanceof Error ? err.name : typeof err;
}
