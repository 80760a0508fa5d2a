import { getEventListeners } from 'node:events';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, PantryError, type CallFn, type CallRequest, type CallResponse } from '../../src/index.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { HelloServiceDefinition } from '../../src/generated/hello/v1/hello.js';
import { asPantryError, cancellation, finishCallError } from '../../src/pipeline/call-error.js';
import { deadlineStage, resolveMethodDeadlines } from '../../src/pipeline/deadline.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { callSignal, onAbort } from '../../src/pipeline/signals.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { methodInfo } from '../../src/schema/method-info.js';
import { Tracer } from '../../src/observability/tracer.js';
import { captureLogger } from '../helpers.js';

// The pipeline's stages one at a time, with hand-made requests: which deadline each kind of call
// gets, the hint on DEADLINE_EXCEEDED, method-deadline validation, which methods the retry stage
// retries, the throttle refill, and the errors a failed or cancelled call ends with.

const getFood = methodInfo(S, S.methods.getFood);
const addFood = methodInfo(S, S.methods.addFood);
const consumeFood = methodInfo(S, S.methods.consumeFood);
const updateFood = methodInfo(S, S.methods.updateFood);
const watch = methodInfo(S, S.methods.watchExpiringFoods);
// Hello is marked NO_SIDE_EFFECTS; this copy is a method neither marked safe nor keyed.
const hello = {
  ...methodInfo(HelloServiceDefinition, HelloServiceDefinition.methods.hello),
  idempotency: 'IDEMPOTENCY_UNKNOWN' as const,
};

function request(over: Partial<CallRequest> & { method?: CallRequest['method'] } = {}): CallRequest {
  const method = over.method ?? getFood;
  return {
    kind: method.kind,
    method,
    message: {},
    metadata: new Metadata(),
    deadline: Infinity,
    options: {},
    attempt: 0,
    startedAt: 1_000_000,
    ...over,
  } as CallRequest;
}

const ok: CallResponse = { kind: 'unary', message: {} };
const quiet = new Tracer({ trace: '' }, {});

describe('deadlineStage', () => {
  const policy = { deadlineMs: 10_000, streamDeadlineMs: 60_000, methodDeadlineMs: { GetFood: 2_000 } };
  const deadlineOf = async (req: CallRequest, p = policy) => {
    let seen: CallRequest | undefined;
    await deadlineStage(
      p,
      quiet,
    )(async (r) => {
      seen = r;
      return ok;
    })(req);
    return seen!.deadline;
  };

  it('takes the per-call deadline, then deadlineMs, then the method deadline, then the kind default', async () => {
    const at = new Date(1_234_567);
    expect(await deadlineOf(request({ options: { deadline: at, deadlineMs: 5 } }))).toBe(1_234_567);
    expect(await deadlineOf(request({ options: { deadlineMs: 300 } }))).toBe(1_000_300);
    expect(await deadlineOf(request())).toBe(1_002_000); // methodDeadlineMs.GetFood
    expect(await deadlineOf(request({ method: addFood }))).toBe(1_010_000); // unary default
    expect(await deadlineOf(request({ method: watch }))).toBe(1_060_000); // stream default
    expect(await deadlineOf(request({ method: watch }), { ...policy, streamDeadlineMs: Infinity })).toBe(Infinity);
  });

  it('ignores method deadlines inherited from Object.prototype', async () => {
    const inherited = Object.create({ AddFood: 5 });
    expect(await deadlineOf(request({ method: addFood }), { ...policy, methodDeadlineMs: inherited })).toBe(1_010_000);
  });

  it('traces the deadline when the deadline tracer is on', async () => {
    const logger = captureLogger();
    const tracer = new Tracer({ trace: 'deadline', logger }, {});
    const stage = deadlineStage(policy, tracer)(async () => ok);
    await stage(request({ startedAt: Date.now(), options: { deadlineMs: 60_000 } }));
    await stage(request({ method: watch }));
    await deadlineStage({ ...policy, streamDeadlineMs: Infinity }, tracer)(async () => ok)(request({ method: watch }));
    expect(logger.lines[0]).toMatch(
      /^debug deadline \| \/pantry\.v1\.FoodStorageService\/GetFood deadline in (59\d{3}|60000) ms$/,
    );
    expect(logger.lines[2]).toBe('debug deadline | /pantry.v1.FoodStorageService/WatchExpiringFoods deadline none');
    expect(logger.lines).toHaveLength(3);
  });

  it('adds the budget and the attempts to a DEADLINE_EXCEEDED without a hint, and keeps everything else', async () => {
    const metadata = new Metadata();
    metadata.set('k', 'v');
    const cause = new Error('under');
    const fail = (e: unknown) => deadlineStage(policy, quiet)(async () => Promise.reject(e));
    const exceeded = new PantryError({
      code: Code.DEADLINE_EXCEEDED,
      details: 'Deadline exceeded',
      method: getFood.path,
      attempts: 2,
      metadata,
      cause,
    });
    const err = (await fail(exceeded)(request({ startedAt: Date.now(), options: { deadlineMs: 1500 } })).catch(
      (e) => e,
    )) as PantryError;
    expect(err).not.toBe(exceeded);
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(err.details).toBe('Deadline exceeded');
    expect(err.method).toBe(getFood.path);
    expect(err.metadata.get('k')).toEqual(['v']);
    expect(err.cause).toBe(cause);
    expect(err.attempts).toBe(2);
    expect(err.hint).toMatch(
      /^the call did not finish within its deadline of 1500 ms \(2 attempts in \d+ ms\)\. Raise deadlineMs for this call or method, or look at why the server is slow$/,
    );
    // The time it took is the time since the call started (here: a few ms), not a timestamp.
    expect(Number(/attempts in (\d+) ms/.exec(err.hint!)![1])).toBeLessThan(5000);
    const one = new PantryError({ code: Code.DEADLINE_EXCEEDED, details: 'x', attempts: 1 });
    expect(((await fail(one)(request()).catch((e) => e)) as PantryError).hint).toMatch(/\(1 attempt in /);

    const hinted = new PantryError({ code: Code.DEADLINE_EXCEEDED, details: 'x', hint: 'own' });
    await expect(fail(hinted)(request())).rejects.toBe(hinted);
    // Before the deadline a transport failure passes through (after it, it becomes DEADLINE_EXCEEDED).
    const other = new PantryError({ code: Code.UNAVAILABLE, details: 'x' });
    await expect(fail(other)(request({ startedAt: Date.now() }))).rejects.toBe(other);
    const plain = new Error('plain');
    await expect(fail(plain)(request())).rejects.toBe(plain);
  });
});

describe('resolveMethodDeadlines', () => {
  const checkMs = (v: unknown) => (v === undefined ? undefined : Number(v));
  const resolve = (given: unknown) => resolveMethodDeadlines(given, [S, HelloServiceDefinition], checkMs);
  const details = (given: unknown) => {
    try {
      resolve(given);
    } catch (e) {
      expect((e as PantryError).code).toBe(Code.INVALID_ARGUMENT);
      return [(e as PantryError).details, (e as PantryError).hint];
    }
    throw new Error('accepted');
  };

  it('maps client and proto names to proto names, and leaves out undefined values', () => {
    expect({ ...resolve({ listFoods: 30_000, Hello: 5, getFood: undefined }) }).toEqual({
      ListFoods: 30_000,
      Hello: 5,
    });
    expect({ ...resolve(undefined) }).toEqual({});
    expect(Object.getPrototypeOf(resolve({}))).toBeNull();
  });

  it('refuses what is not an object, an unknown name, and two names for one method', () => {
    expect(details(null)[0]).toBe('option methodDeadlineMs must be an object of milliseconds by method name, got null');
    expect(details([1])[0]).toBe(
      'option methodDeadlineMs must be an object of milliseconds by method name, got an array',
    );
    expect(details(5)[0]).toBe('option methodDeadlineMs must be an object of milliseconds by method name, got number');
    const [unknown, hint] = details({ getFoods: 1 });
    expect(unknown).toBe('option methodDeadlineMs: no method named "getFoods"');
    expect(hint).toContain('valid names: addFood, AddFood, getFood, GetFood,');
    expect(hint).toContain('hello, Hello');
    expect(details({ getFood: 1, GetFood: 2 })[0]).toBe(
      'option methodDeadlineMs: "getFood" and "GetFood" name the same method',
    );
  });

  it('checks each value under its own name', () => {
    const froms: string[] = [];
    resolveMethodDeadlines({ listFoods: 1 }, [S], (v, from) => {
      froms.push(from);
      return v as number;
    });
    expect(froms).toEqual(['option methodDeadlineMs.listFoods']);
  });
});

describe('retryStage', () => {
  const failing = (codes: Code[]) => {
    const attempts: number[] = [];
    const next: CallFn = async (req) => {
      attempts.push(req.attempt);
      const code = codes[attempts.length - 1];
      if (code === undefined) return ok;
      throw new PantryError({ code, details: 'scripted', method: req.method.path });
    };
    return { next, attempts };
  };
  const policy = { ...DEFAULT_RETRY, initialBackoffMs: 0, maxBackoffMs: 0 };

  it('retries marked-safe and keyed methods, and an unmarked one only with assumeIdempotent', async () => {
    for (const method of [getFood, updateFood, addFood, consumeFood]) {
      const s = failing([Code.UNAVAILABLE]);
      await retryStage(policy, new RetryThrottle(), quiet)(s.next)(request({ method }));
      expect(s.attempts, method.name).toEqual([1, 2]);
    }
    const unsafe = failing([Code.UNAVAILABLE]);
    const err = (await retryStage(
      policy,
      new RetryThrottle(),
      quiet,
    )(unsafe.next)(request({ method: hello })).catch((e) => e)) as PantryError;
    expect(unsafe.attempts).toEqual([1]);
    expect(err.attempts).toBe(1);
    const assumed = failing([Code.UNAVAILABLE]);
    await retryStage({ ...policy, assumeIdempotent: true }, new RetryThrottle(), quiet)(assumed.next)(
      request({ method: hello }),
    );
    expect(assumed.attempts).toEqual([1, 2]);
    const perCall = failing([Code.UNAVAILABLE]);
    await retryStage(policy, new RetryThrottle(), quiet)(perCall.next)(
      request({ method: hello, options: { retry: { assumeIdempotent: true } } }),
    );
    expect(perCall.attempts).toEqual([1, 2]);
  });

  it('makes one attempt when maxAttempts is 1, spending no retry budget', async () => {
    const s = failing([Code.UNAVAILABLE]);
    const throttle = new RetryThrottle({ maxTokens: 10 });
    const err = (await retryStage(
      { ...policy, maxAttempts: 1 },
      throttle,
      quiet,
    )(s.next)(request()).catch((e) => e)) as PantryError;
    expect([s.attempts, err.code, err.attempts]).toEqual([[1], Code.UNAVAILABLE, 1]);
    // A call that may not be retried does not spend the retry budget (gRFC A6 counts retryable attempts).
    expect(throttle.available).toBe(10);
    const unsafe = failing([Code.UNAVAILABLE]);
    await retryStage(policy, throttle, quiet)(unsafe.next)(request({ method: hello })).catch(() => {});
    expect(throttle.available).toBe(10);
    // A bad per-call retry option never reaches the stage: checkCallOptions refuses it at the call's
    // entry (test/unit/call-options.test.ts).
  });

  it('refills the throttle on each success, the first attempt and retries alike', async () => {
    const throttle = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.5 });
    throttle.onFailure();
    throttle.onFailure();
    throttle.onFailure(); // 7
    await retryStage(policy, throttle, quiet)(async () => ok)(request());
    expect(throttle.available).toBe(7.5);
    await retryStage(policy, throttle, quiet)(async () => ok)(request({ method: hello }));
    expect(throttle.available).toBe(8);
    const s = failing([Code.UNAVAILABLE]);
    await retryStage(policy, throttle, quiet)(s.next)(request());
    expect(throttle.available).toBe(7.5); // -1 for the failure, +0.5 for the retried success
  });

  it('wraps a failure as a PantryError with the attempts made, and reads an abort as CANCELLED', async () => {
    const err = (await retryStage(
      policy,
      new RetryThrottle(),
      quiet,
    )(async () => {
      throw new TypeError('boom');
    })(request()).catch((e) => e)) as PantryError;
    expect([err.code, err.attempts, err.details]).toEqual([Code.UNKNOWN, 1, 'the call failed inside the client: boom']);
    const controller = new AbortController();
    const s = failing([Code.UNAVAILABLE, Code.UNAVAILABLE]);
    const aborted = (await retryStage(
      policy,
      new RetryThrottle(),
      quiet,
    )(async (req) => {
      if (req.attempt === 2) controller.abort();
      return s.next(req);
    })(request({ signal: controller.signal })).catch((e) => e)) as PantryError;
    expect([aborted.code, aborted.attempts, aborted.details]).toEqual([
      Code.CANCELLED,
      2,
      "cancelled by the caller's AbortSignal: This operation was aborted",
    ]);
  });

  it('names the attempt whose backoff a cancellation interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    // Pushback fixes the backoff at 5 s, so the abort lands in the sleep after attempt 1.
    const pushedBack: CallFn = async (req) => {
      const metadata = new Metadata();
      metadata.set('grpc-retry-pushback-ms', '5000');
      throw new PantryError({ code: Code.UNAVAILABLE, details: 'busy', method: req.method.path, metadata });
    };
    const t0 = Date.now();
    const err = (await retryStage(
      policy,
      new RetryThrottle(),
      quiet,
    )(pushedBack)(request({ signal: controller.signal })).catch((e) => e)) as PantryError;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect([err.code, err.attempts, err.details]).toEqual([
      Code.CANCELLED,
      1,
      "cancelled by the caller's AbortSignal during the backoff after attempt 1: This operation was aborted",
    ]);
  });

  it('traces why it retries or stops, naming the error', async () => {
    const logger = captureLogger();
    const tracer = new Tracer({ trace: 'retry', logger }, {});
    const s = failing([Code.UNAVAILABLE, Code.NOT_FOUND]);
    await retryStage(policy, new RetryThrottle(), tracer)(s.next)(request()).catch(() => {});
    let n = 0;
    await retryStage(
      policy,
      new RetryThrottle(),
      tracer,
    )(async () => {
      n++;
      if (n === 1) throw new PantryError({ code: Code.UNAVAILABLE, details: 'x' });
      if (n === 2) throw new RangeError('odd');
      throw 'text';
    })(request()).catch(() => {});
    // A first attempt that throws a non-Error is traced by its type (p-retry refuses non-Errors later on).
    await retryStage(
      policy,
      new RetryThrottle(),
      tracer,
    )(async () => {
      throw 'text';
    })(request()).catch(() => {});
    expect(logger.lines).toEqual([
      'debug retry | /pantry.v1.FoodStorageService/GetFood attempt 1 failed with UNAVAILABLE: retrying in 0 ms',
      'debug retry | /pantry.v1.FoodStorageService/GetFood attempt 2 failed with NOT_FOUND: not retrying: NOT_FOUND is not retryable',
      'debug retry | /pantry.v1.FoodStorageService/GetFood attempt 1 failed with UNAVAILABLE: retrying in 0 ms',
      'debug retry | /pantry.v1.FoodStorageService/GetFood attempt 2 failed with RangeError: not retrying: not a gRPC status',
      'debug retry | /pantry.v1.FoodStorageService/GetFood attempt 1 failed with string: not retrying: not a gRPC status',
    ]);
  });
});

describe('call errors', () => {
  it('asPantryError keeps a PantryError and wraps anything else as UNKNOWN with its cause', () => {
    const e = new PantryError({ code: Code.NOT_FOUND, details: 'x' });
    expect(asPantryError(e, '/m')).toBe(e);
    const cause = new TypeError('boom');
    const wrapped = asPantryError(cause, '/a.B/C');
    expect([wrapped.code, wrapped.details, wrapped.method, wrapped.cause]).toEqual([
      Code.UNKNOWN,
      'the call failed inside the client: boom',
      '/a.B/C',
      cause,
    ]);
    expect(asPantryError('text', '/m').details).toBe('the call failed inside the client: text');
  });

  it("cancellation says the caller's signal, where the call was, and the reason's message", () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const e = cancellation(request({ signal: controller.signal }), 'during the backoff after attempt 2');
    expect([e.code, e.details, e.method]).toEqual([
      Code.CANCELLED,
      "cancelled by the caller's AbortSignal during the backoff after attempt 2: user left",
      getFood.path,
    ]);
    expect(e.cause).toBe(controller.signal.reason);
    const plain = new AbortController();
    plain.abort('why');
    expect(cancellation(request({ signal: plain.signal })).details).toBe("cancelled by the caller's AbortSignal");
  });

  it('cancellation copies the client close reason, naming the method', () => {
    const reason = new PantryError({ code: Code.CANCELLED, details: 'the client was closed', hint: 'h' });
    const controller = new AbortController();
    controller.abort(reason);
    const e = cancellation(request({ signal: controller.signal }), 'during x');
    expect(e).not.toBe(reason);
    expect([e.code, e.details, e.method, e.hint]).toEqual([
      Code.CANCELLED,
      'the client was closed during x',
      getFood.path,
      'h',
    ]);
    expect(reason.method).toBe('');
  });

  it('finishCallError records the attempts and the elapsed time, and turns an abort into CANCELLED', () => {
    const startedAt = Date.now() - 50;
    const e = new PantryError({ code: Code.UNAVAILABLE, details: 'x', attempts: 3 });
    const done = finishCallError(e, request({ startedAt }));
    expect(done).toBe(e);
    expect(done.attempts).toBe(3);
    expect(done.elapsedMs).toBeGreaterThanOrEqual(50);
    expect(done.elapsedMs).toBeLessThan(5000);
    expect(finishCallError(new Error('x'), request({ startedAt })).attempts).toBe(0);

    const controller = new AbortController();
    controller.abort();
    const aborted = finishCallError(
      new PantryError({ code: Code.UNAVAILABLE, details: 'x', attempts: 2 }),
      request({ signal: controller.signal }),
    );
    expect([aborted.code, aborted.attempts]).toEqual([Code.CANCELLED, 2]);
    const already = cancellation(request({ signal: controller.signal }), 'during y');
    expect(finishCallError(already, request({ signal: controller.signal }))).toBe(already);
  });

  it('finishCallError never changes the shared close reason itself', () => {
    const reason = new PantryError({ code: Code.CANCELLED, details: 'the client was closed', attempts: 0 });
    const controller = new AbortController();
    controller.abort(reason);
    const e = finishCallError(reason, request({ signal: controller.signal, startedAt: Date.now() - 10 }));
    expect(e).not.toBe(reason);
    expect(e.details).toBe('the client was closed');
    expect(e.attempts).toBe(0);
    expect(reason.elapsedMs).toBe(0);
    const copy = cancellation(request({ signal: controller.signal }), 'during z');
    expect(finishCallError(copy, request({ signal: controller.signal }))).toBe(copy);
    const unrelated = new PantryError({ code: Code.CANCELLED, details: 'other' });
    expect(finishCallError(unrelated, request({ signal: controller.signal }))).not.toBe(unrelated);
  });
});

describe('onAbort', () => {
  it('runs at once for an aborted signal, on abort otherwise, and never after it is stopped', () => {
    let n = 0;
    onAbort(undefined, () => n++)();
    expect(n).toBe(0);
    onAbort(AbortSignal.abort(), () => n++);
    expect(n).toBe(1);
    const a = new AbortController();
    onAbort(a.signal, () => n++);
    a.abort();
    a.abort();
    expect(n).toBe(2);
    const b = new AbortController();
    const stop = onAbort(b.signal, () => n++);
    stop();
    b.abort();
    expect(n).toBe(2);
  });
});

describe('callSignal edges', () => {
  it('starts aborted with the own reason when the own signal already is (before closing)', () => {
    const own = new AbortController();
    own.abort('mine');
    const closing = new AbortController();
    closing.abort('closed');
    expect(callSignal(own.signal, closing.signal).signal!.reason).toBe('mine');
    expect(callSignal(own.signal, new AbortController().signal).signal!.reason).toBe('mine');
  });

  it('is the own signal alone when the client gives none', () => {
    const own = new AbortController();
    const { signal, release } = callSignal(own.signal, undefined);
    expect(signal).toBe(own.signal);
    release();
  });

  it('follows a live pair until one aborts', () => {
    const own = new AbortController();
    const closing = new AbortController();
    const { signal } = callSignal(own.signal, closing.signal);
    expect(signal!.aborted).toBe(false);
    expect(signal).not.toBe(own.signal);
    expect(signal).not.toBe(closing.signal);
    closing.abort('closed');
    own.abort('late');
    expect(signal!.reason).toBe('closed');
  });
});

describe('callSignal releases its listeners', () => {
  it('leaves no listener on either signal once released, or once one of them aborted', () => {
    const own = new AbortController();
    const closing = new AbortController();
    const { release } = callSignal(own.signal, closing.signal);
    expect([getEventListeners(own.signal, 'abort').length, getEventListeners(closing.signal, 'abort').length]).toEqual([
      1, 1,
    ]);
    release();
    expect([getEventListeners(own.signal, 'abort').length, getEventListeners(closing.signal, 'abort').length]).toEqual([
      0, 0,
    ]);
    for (const which of ['own', 'closing'] as const) {
      const a = new AbortController();
      const b = new AbortController();
      callSignal(a.signal, b.signal);
      (which === 'own' ? a : b).abort();
      expect([getEventListeners(a.signal, 'abort').length, getEventListeners(b.signal, 'abort').length], which).toEqual(
        [0, 0],
      );
    }
  });

  it('onAbort stops listening when stopped', () => {
    const a = new AbortController();
    const stop = onAbort(a.signal, () => {});
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(1);
    stop();
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
  });
});
