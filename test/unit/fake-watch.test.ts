import { describe, expect, it } from 'vitest';
import { Code, Food, PantryError } from '../../src/index.js';
import { FoodStore } from '../../src/testing/fake/food-store.js';
import { watchExpiringFoods } from '../../src/testing/fake/watch.js';

// The fake's watch without a network: what the contract suite cannot make the Go server do on
// demand (a follower that falls behind), with the Go server's numbers (1024 changes buffered).
const now = () => new Date('2030-01-01T09:00:00Z');

describe('the fake watch', () => {
  it('sends the 1024 changes it buffered for a follower that fell behind, then ends with UNAVAILABLE', async () => {
    const store = new FoodStore(now);
    store.add('', Food.fromPartial({ name: 'first', bestBefore: '2030-01-02' }));
    const stream = watchExpiringFoods(store, now)(
      { withinDays: 30, follow: true },
      new AbortController().signal,
      new AbortController().signal,
    );
    expect((await stream.next()).value).toMatchObject({ food: { name: 'first' }, daysLeft: 1 }); // subscribed
    for (let i = 0; i < 1100; i++) store.add('', Food.fromPartial({ name: `n${i}`, bestBefore: '2030-01-03' }));
    const names: string[] = [];
    const err = await (async () => {
      for (;;) {
        const { value } = await stream.next();
        names.push(value!.food!.name);
      }
    })().catch((e: unknown) => e);
    expect(names).toHaveLength(1024);
    expect(names.at(-1)).toBe('n1023');
    expect(PantryError.is(err) && [err.code, err.details]).toEqual([
      Code.UNAVAILABLE,
      'watch fell more than 1024 changes behind; watch again',
    ]);
  });

  it('a follower that keeps up is never ended', async () => {
    const store = new FoodStore(now);
    const aborted = new AbortController();
    const stream = watchExpiringFoods(store, now)(
      { withinDays: 0, follow: true },
      aborted.signal,
      new AbortController().signal,
    );
    const next = stream.next(); // subscribes, then waits for a change
    await Promise.resolve();
    for (let i = 0; i < 2000; i++) {
      store.add('', Food.fromPartial({ name: `k${i}`, bestBefore: '2030-01-05' }));
      const { value } = await (i === 0 ? next : stream.next());
      expect(value!.food!.name).toBe(`k${i}`);
    }
    aborted.abort();
    expect((await stream.next()).done).toBe(true);
  });
});
