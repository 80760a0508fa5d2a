import type { CallMetadata } from '../../src/metadata/call-metadata.js';
import { Client, credentials, Metadata, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { fastUnary } from '../../src/client/fast-unary.js';
import { serviceClient } from '../../src/client/service-client.js';
import { HelloResponse, HelloServiceDefinition } from '../../src/generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition, ListFoodsResponse } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Code, PantryError, type CallFn, type CallRequest } from '../../src/index.js';
import { Tracer } from '../../src/observability/tracer.js';
import { retrying } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';

// The fused unary path (no interceptors, tracing off) against a scripted grpc-js channel: what it
// does itself (the first attempt, the deadline, headers and trailers), and what it hands back to
// the pipeline's code (retries, the deadline hint, the calls it does not take).

interface Listener {
  onReceiveMetadata(md: Metadata): void;
  onReceiveMessage(bytes: Buffer): void;
  onReceiveStatus(s: StatusObject): void;
}
type Answer = (l: Listener) => void;

const status = (code: Code, details = '', metadata = new Metadata()): StatusObject => ({
  code: code as number,
  details,
  metadata,
});
const ok =
  (bytes: Uint8Array, header = new Metadata(), trailer = new Metadata()): Answer =>
  (l) => {
    l.onReceiveMetadata(header);
    l.onReceiveMessage(Buffer.from(bytes));
    l.onReceiveStatus(status(Code.OK, 'OK', trailer));
  };
const fail =
  (code: Code, details = 'scripted'): Answer =>
  (l) =>
    l.onReceiveStatus(status(code, details));

function fakeChannel(answers: (Answer | 'hang')[]) {
  const calls: { path: string; deadline: number; cancelled?: [number, string] }[] = [];
  const channel = {
    createCall(path: string, deadline: number) {
      const record: (typeof calls)[number] = { path, deadline };
      const answer = answers[Math.min(calls.length, answers.length - 1)];
      calls.push(record);
      let listener: Listener;
      return {
        start: (_md: Metadata, l: Listener) => {
          listener = l;
        },
        startRead: () => {},
        sendMessageWithContext: () => {},
        halfClose: () => {
          if (answer !== 'hang') setImmediate(() => answer(listener));
        },
        cancelWithStatus: (code: number, details: string) => {
          record.cancelled = [code, details];
          setImmediate(() => listener.onReceiveStatus(status(code, details)));
        },
      };
    },
  } as unknown as ChannelInterface;
  return { channel, calls };
}

function setup(
  answers: (Answer | 'hang')[],
  later: CallFn = async () => ({ kind: 'unary', message: {} }),
  closing?: AbortSignal,
) {
  const { channel, calls } = fakeChannel(answers);
  const tracer = new Tracer({ trace: '' }, {});
  const throttle = new RetryThrottle();
  const retry = { ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 5 };
  const attempts: CallRequest[] = [];
  const transport: CallFn = (req) => {
    attempts.push(req);
    return later(req);
  };
  const piped: CallRequest[] = [];
  const pipeline: CallFn = async (req) => {
    piped.push(req);
    return req.kind === 'unary'
      ? { kind: 'unary', message: { food: { id: 'from-pipeline' } } }
      : { kind: 'server_streaming', stream: (async function* () {})(), header: new Metadata() };
  };
  const fast = fastUnary({
    channel,
    hints: { address: 'localhost:1', insecure: false },
    deadlines: { deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: { ListFoods: 30_000 } },
    retries: retrying(retry, throttle, tracer),
    throttle,
    transport,
    closing,
  });
  return {
    hello: serviceClient(HelloServiceDefinition, pipeline, closing, fast),
    foods: serviceClient(FoodStorageServiceDefinition, pipeline, closing, fast),
    calls,
    attempts,
    piped,
  };
}

const helloBytes = HelloResponse.encode({ message: 'Hello, cache!' }).finish();

describe('the fused unary path', () => {
  it("makes one attempt on the channel with the deadline stage's deadline, and hands over headers and trailers", async () => {
    const header = new Metadata();
    header.set('x-h', '1');
    const trailer = new Metadata();
    trailer.set('x-t', '2');
    const { hello, foods, calls, piped } = setup([ok(helloBytes, header, trailer)]);
    const got: [CallMetadata?, CallMetadata?] = [];
    const before = Date.now();
    const res = await hello.hello({ name: 'cache' }, { onHeader: (h) => (got[0] = h), onTrailer: (t) => (got[1] = t) });
    expect(res).toEqual({ message: 'Hello, cache!' });
    expect(got).toEqual([header, trailer]);
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe('/hello.v1.HelloService/Hello');
    expect(calls[0].deadline).toBeGreaterThanOrEqual(before + 10_000);
    expect(calls[0].deadline).toBeLessThanOrEqual(Date.now() + 10_000);
    expect(piped).toHaveLength(0);
    // The call's own deadlineMs and the per-method deadline apply as in the deadline stage.
    const t = Date.now();
    await foods.listFoods({}, { deadlineMs: 1234 });
    await foods.listFoods({});
    expect(calls[1].deadline - t).toBeGreaterThanOrEqual(1234);
    expect(calls[1].deadline - t).toBeLessThan(1234 + 1_000);
    expect(calls[2].deadline - t).toBeGreaterThanOrEqual(30_000);
    expect(calls[2].deadline - t).toBeLessThan(30_000 + 1_000);
  });

  it('goes on through the retry stage after a failed first attempt, within the same deadline', async () => {
    const list = ListFoodsResponse.encode({ foods: [], nextPageToken: 'next' }).finish();
    const { foods, calls, attempts } = setup([fail(Code.UNAVAILABLE)], async () => ({
      kind: 'unary',
      message: ListFoodsResponse.decode(list),
    }));
    const res = await foods.listFoods({ pageSize: 1 });
    expect(res.nextPageToken).toBe('next');
    expect(calls).toHaveLength(1);
    expect(attempts.map((a) => a.attempt)).toEqual([2]);
    expect(attempts[0].deadline).toBe(calls[0].deadline);
  });

  it('reports the attempts, and the deadline hint on DEADLINE_EXCEEDED', async () => {
    const { hello } = setup([fail(Code.DEADLINE_EXCEEDED, 'Deadline exceeded')]);
    const err = (await hello.hello({}).catch((e) => e)) as PantryError;
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(err.attempts).toBe(1);
    expect(err.hint).toContain('did not finish within its deadline of 10000 ms');
    expect(err.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('turns a missing or undecodable response into the errors grpc-js gives', async () => {
    const none = setup([(l) => l.onReceiveStatus(status(Code.OK))]);
    await expect(none.hello.hello({})).rejects.toMatchObject({
      code: Code.UNIMPLEMENTED,
      details: 'No message received',
    });
    const bad = setup([ok(new Uint8Array([0xff, 0xff, 0xff]))]);
    await expect(bad.hello.hello({})).rejects.toMatchObject({ code: Code.INTERNAL });
  });

  it("cancels the call on the channel when the caller's signal aborts", async () => {
    const { hello, calls } = setup(['hang']);
    const ac = new AbortController();
    const p = hello.hello({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ code: Code.CANCELLED, details: expect.stringContaining('AbortSignal') });
    expect(calls[0].cancelled).toEqual([Code.CANCELLED, 'Cancelled on client']);
  });

  it("cancels every call in flight when the client's closing signal aborts, those with a signal of their own too", async () => {
    const closing = new AbortController();
    const { hello, calls } = setup(['hang'], undefined, closing.signal);
    const own = new AbortController();
    const inFlight = [hello.hello({}), hello.hello({}), hello.hello({}, { signal: own.signal })];
    const reason = new PantryError({ code: Code.CANCELLED, details: 'the client was closed' });
    setTimeout(() => closing.abort(reason), 5);
    for (const p of inFlight)
      await expect(p).rejects.toMatchObject({ code: Code.CANCELLED, details: 'the client was closed' });
    expect(calls.map((c) => c.cancelled)).toEqual(Array(3).fill([Code.CANCELLED, 'Cancelled on client']));
    await expect(hello.hello({})).rejects.toMatchObject({ code: Code.CANCELLED, details: 'the client was closed' });
  });

  it('leaves calls with a request_id, a per-call retry option, and server streams to the pipeline', async () => {
    const { foods, calls, piped } = setup([ok(helloBytes)]);
    await foods.addFood({ food: { name: 'rice' } });
    await foods.getFood({ id: 'x' }, { retry: false });
    for await (const _ of foods.watchExpiringFoods({})) break;
    expect(calls).toHaveLength(0);
    expect(piped.map((r) => r.method.name)).toEqual(['AddFood', 'GetFood', 'WatchExpiringFoods']);
  });
});

describe('grpc-js contract (Channel#createCall, whose Call type is not exported by name)', () => {
  it('gives a call that starts, reads, sends, half-closes and cancels with a status', async () => {
    const client = new Client('127.0.0.1:1', credentials.createInsecure());
    try {
      const call = client
        .getChannel()
        .createCall('/hello.v1.HelloService/Hello', Date.now() + 5_000, undefined, null, undefined);
      for (const fn of ['start', 'startRead', 'sendMessageWithContext', 'halfClose', 'cancelWithStatus'] as const)
        expect(typeof call[fn]).toBe('function');
      const ended = new Promise<StatusObject>((resolve) =>
        call.start(new Metadata(), {
          onReceiveMetadata: () => {},
          onReceiveMessage: () => {},
          onReceiveStatus: resolve,
        }),
      );
      call.startRead();
      call.sendMessageWithContext({}, Buffer.alloc(0));
      call.halfClose();
      call.cancelWithStatus(Code.CANCELLED as number, 'Cancelled on client');
      expect(await ended).toMatchObject({ code: Code.CANCELLED, details: 'Cancelled on client' });
    } finally {
      client.close();
    }
  });
});
