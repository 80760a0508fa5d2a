import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Category, Code, createClient, PantryError, type PantryClient } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';

// Every RPC of both services, over real mutual TLS, against the Go server (direct mTLS, no proxy).
let stack: PantryStack;
let client: PantryClient;
const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
  client = createClient(stack.address, stack.certDir);
});

afterAll(async () => {
  client?.close();
  await stack?.stop();
});

describe('walking skeleton over mutual TLS', () => {
  it('says hello', async () => {
    expect(await client.hello.hello({ name: 'pantry' })).toEqual({ message: 'Hello, pantry!' });
    expect(await client.hello.hello()).toEqual({ message: 'Hello, world!' });
  });

  it('adds, gets, updates, consumes, lists and deletes a food', async () => {
    const { food } = await client.foodStorage.addFood({
      food: {
        name: '保存水 2L',
        quantity: 6,
        category: Category.WATER,
        unit: 'bottle',
        bestBefore: day(400),
        location: '玄関',
      },
    });
    expect(food).toMatchObject({
      name: '保存水 2L',
      quantity: 6,
      category: Category.WATER,
      unit: 'bottle',
      bestBefore: day(400),
      location: '玄関',
    });
    expect(food!.id).not.toBe('');
    expect(food!.createdAt).toBeInstanceOf(Date);

    expect((await client.foodStorage.getFood({ id: food!.id })).food).toEqual(food);

    const { food: moved } = await client.foodStorage.updateFood({
      food: { id: food!.id, location: '寝室', quantity: 99 },
      updateMask: ['location'],
    });
    expect(moved).toMatchObject({ location: '寝室', quantity: 6, name: '保存水 2L' });

    const { food: after } = await client.foodStorage.consumeFood({ id: food!.id, quantity: 2 });
    expect(after!.quantity).toBe(4);

    const { foods } = await client.foodStorage.listFoods({ category: Category.WATER });
    expect(foods.map((f) => f.id)).toContain(food!.id);

    expect(await client.foodStorage.deleteFood({ id: food!.id })).toEqual({});
    const err = await client.foodStorage.getFood({ id: food!.id }).catch((e) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.hint).toBeUndefined();
  });

  it('pages through ListFoods with page tokens', async () => {
    const category = Category.SNACK;
    const added = [];
    for (let i = 0; i < 7; i++)
      added.push((await client.foodStorage.addFood({ food: { name: `snack ${i}`, quantity: 1, category } })).food!.id);
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await client.foodStorage.listFoods({ category, pageSize: 3, pageToken });
      seen.push(...page.foods.map((f) => f.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toEqual(added);
    expect(pages).toBe(3);
  });

  it('filters ListFoods by expiring_before', async () => {
    const soon = (await client.foodStorage.addFood({ food: { name: 'サバ缶', quantity: 1, bestBefore: day(5) } }))
      .food!;
    const late = (await client.foodStorage.addFood({ food: { name: '乾パン', quantity: 1, bestBefore: day(500) } }))
      .food!;
    const ids = (await client.foodStorage.listFoods({ expiringBefore: day(30), pageSize: 1000 })).foods.map(
      (f) => f.id,
    );
    expect(ids).toContain(soon.id);
    expect(ids).not.toContain(late.id);
  });

  it('streams expiring foods soonest first', async () => {
    await client.foodStorage.addFood({ food: { name: 'soon-2', quantity: 1, bestBefore: day(2) } });
    await client.foodStorage.addFood({ food: { name: 'soon-1', quantity: 1, bestBefore: day(1) } });
    const got: Array<{ name: string; daysLeft: number }> = [];
    for await (const item of client.foodStorage.watchExpiringFoods({ withinDays: 3 }))
      got.push({ name: item.food!.name, daysLeft: item.daysLeft });
    const names = got.map((g) => g.name);
    expect(names.indexOf('soon-1')).toBeLessThan(names.indexOf('soon-2'));
    expect(got.find((g) => g.name === 'soon-1')!.daysLeft).toBe(1);
    expect(got.every((g) => g.daysLeft <= 3)).toBe(true);
  });

  it('stops a following stream when the loop is left early', async () => {
    await client.foodStorage.addFood({ food: { name: 'follow-me', quantity: 1, bestBefore: day(1) } });
    const t0 = performance.now();
    let got = 0;
    for await (const _ of client.foodStorage.watchExpiringFoods({ withinDays: 3, follow: true })) {
      got++;
      break; // a following stream never ends by itself: return() must cancel it
    }
    expect(got).toBe(1);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await client.hello.hello({ name: 'after' })).message).toBe('Hello, after!');
  });

  it('applies a replayed request_id once', async () => {
    const requestId = `replay-${Date.now()}`;
    const first = (await client.foodStorage.addFood({ food: { name: 'アルファ米', quantity: 3 }, requestId })).food!;
    let replayed: string | undefined;
    const second = (
      await client.foodStorage.addFood(
        { food: { name: 'アルファ米', quantity: 3 }, requestId },
        { onHeader: (h) => (replayed = String(h.get('pantry-replayed')[0])) },
      )
    ).food!;
    expect(second.id).toBe(first.id);
    expect(replayed).toBe('true');
    const all = (await client.foodStorage.listFoods({ pageSize: 1000 })).foods.filter((f) => f.name === 'アルファ米');
    expect(all).toHaveLength(1);
  });

  it('reports server validation as INVALID_ARGUMENT naming the field', async () => {
    const err = await client.foodStorage.addFood({ food: { name: '', quantity: 1 } }).catch((e) => e);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/food\.name/);
  });
});
