import type { CallMetadata } from '../../src/metadata/call-metadata.js';
import { Metadata } from '@grpc/grpc-js';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { serviceClient } from '../../src/client/service-client.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Code, PantryError, type CallFn, type CallRequest, type CallResponse } from '../../src/index.js';

// The typed methods over a pipeline: what each call hands the pipeline, headers and trailers,
// responses of the wrong kind, the client's closing signal, and a stream's life.

function recording(respond: (req: CallRequest) => CallResponse | Promise<CallResponse>) {
  const seen: CallRequest[] = [];
  const pipeline: CallFn = async (req) => {
    seen.push(req);
    return respond(req);
  };
  return { seen, pipeline };
}
const unaryOk = (): CallResponse => ({ kind: 'unary', message: { food: { id: 'f1' } } });

describe('unary methods', () => {
  it('hand the pipeline the full message, metadata, signal and options of the call', async () => {
    const r = recording(unaryOk);
    const client = serviceClient(S, r.pipeline);
    const before = Date.now();
    const controller = new AbortController();
    const options = { metadata: { 'x-source': 'kitchen' }, signal: controller.signal, deadlineMs: 500 };
    expect(await client.getFood({ id: 'f1' }, options)).toEqual({ food: { id: 'f1' } });
    const req = r.seen[0];
    expect([req.kind, req.method.path, req.message, req.attempt, req.deadline]).toEqual([
      'unary',
      '/pantry.v1.FoodStorageService/GetFood',
      { id: 'f1' },
      0,
      Infinity,
    ]);
    expect(req.metadata.get('x-source')).toEqual(['kitchen']);
    expect(req.signal).toBe(controller.signal);
    expect(req.options).toBe(options);
    expect(req.startedAt).toBeGreaterThanOrEqual(before);
    expect(req.startedAt).toBeLessThanOrEqual(Date.now());
    await client.listFoods();
    expect(r.seen[1].message).toEqual({ pageSize: 0, pageToken: '', category: 0, expiringBefore: '' });
  });

  it('copy a Metadata given, so the caller keeps theirs', async () => {
    const r = recording(unaryOk);
    const md = new Metadata();
    md.set('x-a', '1');
    await serviceClient(S, r.pipeline).getFood({ id: 'f1' }, { metadata: md });
    expect(r.seen[0].metadata).not.toBe(md);
    expect(r.seen[0].metadata.get('x-a')).toEqual(['1']);
  });

  it('refuse a bad metadata key and a request that is not an object, before the pipeline', async () => {
    const r = recording(unaryOk);
    const client = serviceClient(S, r.pipeline);
    const bad = (await client.getFood({ id: 'x' }, { metadata: { 'Bad Key': 'v' } }).catch((e) => e)) as PantryError;
    expect([bad.code, bad.method]).toEqual([Code.INVALID_ARGUMENT, '/pantry.v1.FoodStorageService/GetFood']);
    expect(bad.details).toMatch(/^metadata "Bad Key": /);
    for (const [request, got] of [
      [null, 'null'],
      [[], 'an array'],
      ['x', 'string'],
    ] as const) {
      const e = (await client.getFood(request as never).catch((x) => x)) as PantryError;
      expect(e.details).toBe(`request must be an object (a partial GetFoodRequest), got ${got}`);
    }
    const field = (await client.getFood({ id: 5 } as never).catch((x) => x)) as PantryError;
    expect([field.details, field.hint]).toEqual([
      'request field id: expected a string, got a number',
      'see GetFoodRequest in the generated types',
    ]);
    expect(r.seen).toHaveLength(0);
  });

  it('pass headers and trailers to the callbacks, when the response has them', async () => {
    const header = new Metadata();
    header.set('h', '1');
    const trailer = new Metadata();
    trailer.set('t', '2');
    const got: string[] = [];
    const onHeader = (m: CallMetadata) => got.push(`header ${m.get('h')}`);
    const onTrailer = (m: CallMetadata) => got.push(`trailer ${m.get('t')}`);
    await serviceClient(S, recording(() => ({ kind: 'unary', message: {}, header, trailer })).pipeline).getFood(
      { id: 'x' },
      { onHeader, onTrailer },
    );
    expect(got).toEqual(['header 1', 'trailer 2']);
    await serviceClient(S, recording(() => ({ kind: 'unary', message: {} })).pipeline).getFood(
      { id: 'x' },
      { onHeader, onTrailer },
    );
    expect(got).toHaveLength(2);
  });

  it('fail with INTERNAL when the pipeline answers with a stream', async () => {
    const stream = {
      kind: 'server_streaming',
      stream: (async function* () {})(),
      header: new Metadata(),
    } as CallResponse;
    const e = (await serviceClient(S, recording(() => stream).pipeline)
      .getFood({ id: 'x' })
      .catch((x) => x)) as PantryError;
    expect([e.code, e.details]).toEqual([
      Code.INTERNAL,
      'the pipeline answered a unary call with a server_streaming response',
    ]);
  });

  it("end as CANCELLED with the client's reason when the client closes, and release the signals", async () => {
    const closing = new AbortController();
    const own = new AbortController();
    const client = serviceClient(
      S,
      (req) =>
        new Promise((_resolve, reject) =>
          req.signal!.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        ),
      closing.signal,
    );
    const call = client.getFood({ id: 'x' }, { signal: own.signal }).catch((e) => e);
    closing.abort(new PantryError({ code: Code.CANCELLED, details: 'the client was closed' }));
    const e = (await call) as PantryError;
    expect([e.code, e.details, e.method]).toEqual([
      Code.CANCELLED,
      'the client was closed',
      '/pantry.v1.FoodStorageService/GetFood',
    ]);
    expect(getEventListeners(own.signal, 'abort')).toHaveLength(0);
    const ok = serviceClient(S, recording(unaryOk).pipeline, closing.signal);
    const live = new AbortController();
    const second = new AbortController();
    await serviceClient(S, recording(unaryOk).pipeline, live.signal).getFood({ id: 'x' }, { signal: second.signal });
    expect([getEventListeners(live.signal, 'abort').length, getEventListeners(second.signal, 'abort').length]).toEqual([
      0, 0,
    ]);
    expect(Object.isFrozen(ok)).toBe(true);
  });

  it('release the signals when the pipeline throws at once', async () => {
    const live = new AbortController();
    const own = new AbortController();
    const client = serviceClient(
      S,
      () => {
        throw new TypeError('sync');
      },
      live.signal,
    );
    const e = (await client.getFood({ id: 'x' }, { signal: own.signal }).catch((x) => x)) as PantryError;
    expect([e.code, e.details]).toEqual([Code.UNKNOWN, 'the call failed inside the client: sync']);
    expect([getEventListeners(live.signal, 'abort').length, getEventListeners(own.signal, 'abort').length]).toEqual([
      0, 0,
    ]);
  });
});

describe('server-streaming methods', () => {
  const streamOf = (items: unknown[], header = new Metadata()): CallResponse => ({
    kind: 'server_streaming',
    stream: (async function* () {
      yield* items;
    })(),
    header,
  });

  it('start at the first next(), pass the header, yield every message and release at the end', async () => {
    const header = new Metadata();
    header.set('h', '1');
    const r = recording(() => streamOf([{ food: { id: 'a' } }, { food: { id: 'b' } }], header));
    const live = new AbortController();
    const headers: string[] = [];
    const iterable = serviceClient(S, r.pipeline, live.signal).watchExpiringFoods(
      { withinDays: 3 },
      { onHeader: (m) => headers.push(String(m.get('h'))), signal: new AbortController().signal },
    );
    expect(r.seen).toHaveLength(0);
    const got: unknown[] = [];
    for await (const m of iterable) got.push(m);
    expect(got).toEqual([{ food: { id: 'a' } }, { food: { id: 'b' } }]);
    expect(headers).toEqual(['1']);
    expect([r.seen[0].kind, r.seen[0].message]).toEqual(['server_streaming', { withinDays: 3, follow: false }]);
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);
  });

  it('release when the caller stops early, and settle errors like unary calls', async () => {
    const live = new AbortController();
    const client = serviceClient(S, recording(() => streamOf([1, 2, 3])).pipeline, live.signal);
    for await (const _ of client.watchExpiringFoods({}, { signal: new AbortController().signal })) break;
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0);

    const unary = serviceClient(S, recording(unaryOk).pipeline);
    const it = unary.watchExpiringFoods()[Symbol.asyncIterator]();
    const e = (await it.next().catch((x) => x)) as PantryError;
    expect([e.code, e.details]).toEqual([Code.INTERNAL, 'the pipeline answered a server stream with a unary response']);
    const bad = (await unary
      .watchExpiringFoods(null as never)
      [Symbol.asyncIterator]()
      .next()
      .catch((x) => x)) as PantryError;
    expect(bad.details).toBe('request must be an object (a partial WatchExpiringFoodsRequest), got null');
    expect(await it.return!()).toEqual({ done: true, value: undefined });
  });
});
