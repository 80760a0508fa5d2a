import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError, type Metadata } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { tempCerts } from '../helpers.js';

// Idempotency keys against the real server behind HAProxy, with its data file (persist), so
// that what holds also holds across a server restart.
let stack: PantryStack;
let certs: Awaited<ReturnType<typeof tempCerts>>;
const key = () => `k-${Math.random().toString(36).slice(2)}`;
const lostResponse = () => ({
  metadata: {
    'pantry-fault-code': 'UNAVAILABLE',
    'pantry-fault-after': 'true',
    'pantry-fault-times': '1',
    'pantry-fault-key': key(),
  },
});

beforeAll(async () => {
  certs = await tempCerts();
  stack = await startPantryStack({ runtime: 'process', faultInjection: true, persist: true, certDir: certs.dir });
});
afterAll(async () => {
  await stack?.stop();
  await certs?.cleanup();
});

function expectReused(err: unknown, requestId: string): void {
  expect(err).toBeInstanceOf(PantryError);
  const e = err as PantryError;
  expect(e.code).toBe(Code.FAILED_PRECONDITION);
  expect(e.attempts).toBe(1); // not retried: no retry can succeed
  expect(e.details).toContain(`request_id "${requestId}" was already used for a different`);
  expect(e.hint).toMatch(new RegExp(`request_id "${requestId}" was reused with a different request body`));
}

describe('a request_id reused with a different request', () => {
  it('is refused for AddFood, and nothing is stored', async () => {
    await using client = createClient(stack.address, stack.certDir);
    const requestId = key();
    const { food: rice } = await client.foodStorage.addFood({
      food: { name: `rice-${requestId}`, quantity: 1 },
      requestId,
    });
    const err = await client.foodStorage
      .addFood({ food: { name: `water-${requestId}`, quantity: 24 }, requestId })
      .catch((e) => e);
    expectReused(err, requestId);
    const names = (await client.foodStorage.listFoods({ pageSize: 1000 })).foods.map((f) => f.name);
    expect(names).toContain(rice!.name);
    expect(names).not.toContain(`water-${requestId}`);
  });

  it('is refused for ConsumeFood on another food, and nothing is taken', async () => {
    await using client = createClient(stack.address, stack.certDir);
    const { food: a } = await client.foodStorage.addFood({ food: { name: 'consume-a', quantity: 5 } });
    const { food: b } = await client.foodStorage.addFood({ food: { name: 'consume-b', quantity: 5 } });
    const requestId = key();
    await client.foodStorage.consumeFood({ id: a!.id, quantity: 1, requestId });
    expectReused(
      await client.foodStorage.consumeFood({ id: b!.id, quantity: 1, requestId }).catch((e) => e),
      requestId,
    );
    expect((await client.foodStorage.getFood({ id: b!.id })).food!.quantity).toBe(5);
  });

  it('is still refused after the server restarted from its data file', async () => {
    await using client = createClient(stack.address, stack.certDir);
    const requestId = key();
    await client.foodStorage.addFood({ food: { name: 'before-restart', quantity: 1 }, requestId });
    await stack.restartServer();
    expectReused(
      await client.foodStorage.addFood({ food: { name: 'after-restart', quantity: 2 }, requestId }).catch((e) => e),
      requestId,
    );
    const headers: Metadata[] = [];
    await client.foodStorage.addFood(
      { food: { name: 'before-restart', quantity: 1 }, requestId },
      { onHeader: (h) => headers.push(h) },
    );
    expect(headers[0].get('pantry-replayed')).toEqual(['true']);
  });
});

describe('DeleteFood', () => {
  it('reports success when the response of a delete that succeeded was lost and the retry repeats it', async () => {
    await using client = createClient(stack.address, stack.certDir);
    const { food } = await client.foodStorage.addFood({ food: { name: 'to-delete', quantity: 1 } });
    const headers: Metadata[] = [];
    const res = await client.foodStorage.deleteFood(
      { id: food!.id },
      { ...lostResponse(), onHeader: (h) => headers.push(h) },
    );
    expect(res).toEqual({});
    expect(headers[0].get('pantry-attempt')).toEqual(['2']);
    expect(headers[0].get('pantry-replayed')).toEqual(['true']);
    expect((await client.foodStorage.getFood({ id: food!.id }).catch((e) => e)).code).toBe(Code.NOT_FOUND);
  });

  it('still answers NOT_FOUND for a food that is not there', async () => {
    await using client = createClient(stack.address, stack.certDir);
    expect((await client.foodStorage.deleteFood({ id: 'food-99999999' }).catch((e) => e)).code).toBe(Code.NOT_FOUND);
  });
});
