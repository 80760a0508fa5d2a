import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Code, createClient, ErrorInfo, PantryError, type PantryClient, RetryInfo } from '../../src/index.js';
import { createFakePantry, detail, type FakePantry, fakeStatus } from '../../src/testing/index.js';
import { tempCerts } from '../helpers.js';

// createFakePantry() through the real client over mutual TLS: what the contract suite cannot
// compare with the Go server (handler overrides, scripted faults, calls(), close()), and its start.
// What it shares with the Go server is test/contract/.
let fake: FakePantry | undefined;
let client: PantryClient | undefined;

async function start(options?: Parameters<typeof createFakePantry>[0], clientOptions = {}) {
  fake = await createFakePantry(options);
  client = createClient(fake.address, fake.certDir, clientOptions);
  return { fake, client };
}

afterEach(async () => {
  client?.close();
  await fake?.close();
  fake = client = undefined;
});

async function failure(call: Promise<unknown>): Promise<PantryError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!PantryError.is(err)) throw new Error(`expected a PantryError, got ${String(err)}`);
  return err;
}

describe('createFakePantry', () => {
  it('starts in well under a second with a given certDir, and close() stops serving', async () => {
    const certs = await tempCerts();
    try {
      const t0 = performance.now();
      const { fake, client } = await start({ certDir: certs.dir });
      await expect(client.hello.hello({ name: 'fake' })).resolves.toEqual({ message: 'Hello, fake!' });
      expect(performance.now() - t0).toBeLessThan(2_000); // typically ~30 ms; generous for a loaded machine
      await fake.close();
      await fake.close(); // idempotent
      const err = await failure(client.hello.hello({}, { retry: false, deadlineMs: 2_000 }));
      expect(err.code).toBe(Code.UNAVAILABLE);
    } finally {
      await certs.cleanup();
    }
  });

  it('handler overrides answer instead of the fake, may call ctx.next, and may throw a status with details', async () => {
    const { fake, client } = await start({
      handlers: {
        getFood: async (req, ctx) => {
          if (req.id === 'food-secret')
            throw fakeStatus(Code.PERMISSION_DENIED, 'not yours', [
              detail(ErrorInfo, { reason: 'NOT_OWNER', domain: 'test' }),
            ]);
          const res = await ctx.next(req);
          ctx.setHeader('x-served-by', 'override');
          return { food: { ...res.food!, name: `${res.food!.name} (checked)` } };
        },
        hello: () => ({ message: 'hi' }),
      },
    });
    const { food } = await client.foodStorage.addFood({ food: { name: '保存水', quantity: 1 } });
    let served: string | undefined;
    const got = await client.foodStorage.getFood(
      { id: food!.id },
      { onHeader: (h) => (served = String(h.get('x-served-by')[0])) },
    );
    expect(got.food).toMatchObject({ id: food!.id, name: '保存水 (checked)', quantity: 1 });
    expect(served).toBe('override');
    expect(await client.hello.hello({ name: 'x' })).toEqual({ message: 'hi' });

    const denied = await failure(client.foodStorage.getFood({ id: 'food-secret' }));
    expect(denied).toMatchObject({ code: Code.PERMISSION_DENIED, details: 'not yours', reason: 'NOT_OWNER' });

    fake.handle('getFood', () => {
      throw new Error('boom');
    });
    expect(await failure(client.foodStorage.getFood({ id: food!.id }, { retry: false }))).toMatchObject({
      code: Code.UNKNOWN,
      details: 'boom',
    });
    fake.handle('getFood', undefined); // its own again
    expect((await client.foodStorage.getFood({ id: food!.id })).food!.name).toBe('保存水');
  });

  it('a stream override yields messages; ctx.next is the fake watch', async () => {
    const { client } = await start({
      handlers: {
        watchExpiringFoods: async function* (req, ctx) {
          yield { food: { name: 'first' }, daysLeft: 1 };
          for await (const m of ctx.next(req)) yield m;
        },
      },
    });
    await client.foodStorage.addFood({ food: { name: '缶', bestBefore: new Date().toISOString().slice(0, 10) } });
    const names: unknown[] = [];
    for await (const m of client.foodStorage.watchExpiringFoods({})) names.push([m.food!.name, m.daysLeft]);
    expect(names).toEqual([
      ['first', 1],
      ['缶', 0],
    ]);
  });

  it('scripted status faults apply to the next `times` calls, with details and pushback the client retries after', async () => {
    const { fake, client } = await start(undefined, { retry: { maxAttempts: 3 } });
    fake.fault('hello', { code: Code.UNAVAILABLE, times: 2, pushbackMs: 300 });
    const t0 = performance.now();
    expect(await client.hello.hello({ name: 'retried' })).toEqual({ message: 'Hello, retried!' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550); // two pushbacks of 300 ms, not jittered backoff
    expect(fake.calls('hello')).toHaveLength(3);

    fake.fault('getFood', {
      code: Code.RESOURCE_EXHAUSTED,
      message: 'quota',
      details: [detail(RetryInfo, { retryDelay: { seconds: 0, nanos: 0 } }), detail(ErrorInfo, { reason: 'QUOTA' })],
    });
    const err = await failure(client.foodStorage.getFood({ id: 'food-00000001' }, { retry: false }));
    expect(err).toMatchObject({ code: Code.RESOURCE_EXHAUSTED, details: 'quota', reason: 'QUOTA' });
    expect(err.statusDetails.map((d) => d.type)).toEqual(['google.rpc.RetryInfo', 'google.rpc.ErrorInfo']);
    // used up: the next call is served (NOT_FOUND from the empty store)
    expect((await failure(client.foodStorage.getFood({ id: 'food-00000001' }))).code).toBe(Code.NOT_FOUND);
  });

  it('a lost response applies the write but fails the call; the retry with the same request_id is replayed', async () => {
    const { fake, client } = await start();
    fake.fault('addFood', { lostResponse: true });
    const lost = await failure(
      client.foodStorage.addFood({ food: { name: '乾パン' }, requestId: 'lost-1' }, { retry: false }),
    );
    expect(lost).toMatchObject({ code: Code.UNAVAILABLE, details: 'injected fault' });
    expect(fake.foods().map((f) => f.name)).toEqual(['乾パン']); // applied
    let replayed: unknown;
    const again = await client.foodStorage.addFood(
      { food: { name: '乾パン' }, requestId: 'lost-1' },
      { onHeader: (h) => (replayed = h.get('pantry-replayed')[0]) },
    );
    expect(again.food!.id).toBe('food-00000001');
    expect(replayed).toBe('true');
    expect(fake.foods()).toHaveLength(1);
  });

  it('a delay longer than the deadline ends the call with DEADLINE_EXCEEDED', async () => {
    const { fake, client } = await start();
    fake.fault('listFoods', { delayMs: 5_000 });
    const t0 = performance.now();
    const err = await failure(client.foodStorage.listFoods({}, { deadlineMs: 300, retry: false }));
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(performance.now() - t0).toBeLessThan(4_000);
    fake.fault('listFoods', { delayMs: 200 });
    const t1 = performance.now();
    expect(await client.foodStorage.listFoods({})).toEqual({ foods: [], nextPageToken: '' });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(190);
  });

  it('streamAfter cuts the watch after that many messages with the status', async () => {
    const { fake, client } = await start();
    const soon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const name of ['a', 'b', 'c']) await client.foodStorage.addFood({ food: { name, bestBefore: soon } });
    fake.fault('watchExpiringFoods', { streamAfter: 2, code: Code.ABORTED, message: 'cut' });
    const seen: string[] = [];
    const err = await failure(
      (async () => {
        for await (const m of client.foodStorage.watchExpiringFoods({}, { retry: false })) seen.push(m.food!.name);
      })(),
    );
    // grpc-js reports a failed status as soon as it arrives and drops messages that came with it
    // undelivered, so the client sees the first two or fewer; never the third.
    expect(seen).toEqual(['a', 'b'].slice(0, seen.length));
    expect(seen).not.toContain('c');
    expect(err).toMatchObject({ code: Code.ABORTED, details: 'cut' });
  });

  it('close() ends a following watch with UNAVAILABLE "server is shutting down; watch again"', async () => {
    const { fake, client } = await start();
    await client.foodStorage.addFood({ food: { name: 'x', bestBefore: '2000-01-01' } });
    const watched = failure(
      (async () => {
        for await (const m of client.foodStorage.watchExpiringFoods({ follow: true }, { retry: false }))
          if (m.food!.name === 'x') void fake.close();
      })(),
    );
    const err = await watched;
    expect(err).toMatchObject({ code: Code.UNAVAILABLE, details: 'server is shutting down; watch again' });
  });

  it('handlers see the call metadata and a signal that aborts when the client gives up; calls() records requests', async () => {
    let aborted: Promise<unknown> | undefined;
    const { fake, client } = await start({
      handlers: {
        hello: (req, ctx) => {
          if (req.name !== 'wait') return { message: String(ctx.metadata.get('x-team')[0]) };
          aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          return new Promise(() => {}); // never answers
        },
      },
    });
    expect(await client.hello.hello({ name: 'm' }, { metadata: { 'x-team': 'kitchen' } })).toEqual({
      message: 'kitchen',
    });
    const gaveUp = await failure(client.hello.hello({ name: 'wait' }, { deadlineMs: 300, retry: false }));
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain(gaveUp.code); // the deadline, or its cancel first
    await expect(aborted).resolves.toBeDefined();
    expect(fake.calls('hello').map((c) => c.request)).toEqual([{ name: 'm' }, { name: 'wait' }]);
    expect(fake.calls()[0]!.metadata.get('x-team')).toEqual(['kitchen']);
  });

  it('now sets the clock of timestamps and of the watch; close() removes the certificates it made', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const { fake, client } = await start({ now: () => now });
    const { food } = await client.foodStorage.addFood({ food: { name: 'x', bestBefore: '2030-06-04' } });
    expect(food!.createdAt).toEqual(now);
    const days: number[] = [];
    for await (const m of client.foodStorage.watchExpiringFoods({ withinDays: 3 })) days.push(m.daysLeft);
    expect(days).toEqual([3]);
    expect(existsSync(join(fake.certDir, 'ca.crt'))).toBe(true);
    client.close();
    await fake.close();
    expect(existsSync(fake.certDir)).toBe(false);
  });

  it('with faultInjection, pantry-fault-drop answers UNAVAILABLE without dropping the connection', async () => {
    const { client } = await start({ faultInjection: true });
    const err = await failure(client.hello.hello({}, { retry: false, metadata: { 'pantry-fault-drop': 'true' } }));
    expect(err).toMatchObject({
      code: Code.UNAVAILABLE,
      details: 'pantry-fault-drop: this server cannot find the connection of the request to drop it',
    });
    expect(await client.hello.hello({})).toEqual({ message: 'Hello, world!' });
  });

  it('a write whose client gives up during a scripted delay is not applied, as on the Go server', async () => {
    const { fake, client } = await start();
    fake.fault('addFood', { delayMs: 1_000 });
    const err = await failure(
      client.foodStorage.addFood({ food: { name: 'late' } }, { deadlineMs: 200, retry: false }),
    );
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain(err.code); // the deadline, or its cancel first
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past the delay
    expect(fake.foods()).toEqual([]);
  });

  it('refuses unknown options and methods, and names a missing certificate file', async () => {
    const refused = (p: Promise<unknown>) => failure(p);
    expect(await refused(createFakePantry({ port: 1 } as never))).toMatchObject({
      code: Code.INVALID_ARGUMENT,
      details: 'createFakePantry: unknown option "port"',
    });
    expect(await refused(createFakePantry({ handlers: { getFoods: async () => ({}) } as never }))).toMatchObject({
      details: 'createFakePantry: handlers(): unknown method "getFoods"',
      hint: expect.stringContaining('getFood, listFoods'),
    });
    const certs = await tempCerts();
    try {
      await rm(join(certs.dir, 'server.key'));
      const missing = await refused(createFakePantry({ certDir: certs.dir }));
      expect(missing).toMatchObject({ code: Code.FAILED_PRECONDITION });
      expect(missing.details).toBe(`createFakePantry: cannot read server.key in certDir ${certs.dir}`);
    } finally {
      await certs.cleanup();
    }
    const { fake } = await start();
    expect(() => fake.fault('getFoods' as never, { code: Code.UNAVAILABLE })).toThrow(
      /fault\(\): unknown method "getFoods"/,
    );
    expect(() => fake.handle('nope' as never, (() => ({})) as never)).toThrow(/handle\(\): unknown method "nope"/);
  });

  it("a metadata value with surrounding spaces never reaches a handler (Node's HTTP/2 server drops it)", async () => {
    const { client } = await start({
      handlers: { hello: (_req, ctx) => ({ message: Object.keys(ctx.metadata.getMap()).sort().join(',') }) },
    });
    const { message } = await client.hello.hello({}, { metadata: { 'x-spaced': ' kitchen ', 'x-plain': 'kitchen' } });
    expect(message.split(',')).toContain('x-plain');
    expect(message.split(',')).not.toContain('x-spaced');
  });

  it('refuses a malformed fault script naming the option', async () => {
    const { fake } = await start();
    expect(() => fake.fault('hello', { times: 0 })).toThrow(/times must be a positive integer/);
    expect(() => fake.fault('hello', { delayMs: -1 })).toThrow(/delayMs must be a non-negative integer, got -1/);
    expect(() => fake.fault('hello', { code: Code.OK })).toThrow(/code OK is not a failure/);
  });
});
