import { Code } from '../../errors/code.js';
import type { PantryError } from '../../errors/pantry-error.js';
import { PreconditionFailure, ResourceInfo } from '../../generated/google/rpc/error_details.js';
import type { Category, Food } from '../../generated/pantry/v1/food.js';
import { goQuote } from './go-format.js';
import { type Outcome, RequestIds } from './request-ids.js';
import { detail, fakeStatus } from './status.js';

/** One page of {@link FoodStore.list}. */
export interface FoodQuery {
  /** Skip every id up to and including this one; `''` starts at the first food. */
  after: string;
  /** The most foods to return; positive. */
  limit: number;
  /** Only this category unless `UNSPECIFIED` (0). */
  category: Category;
  /** Only foods with a best-before date strictly before this "YYYY-MM-DD" date; `''` keeps all. */
  expiringBefore: string;
}

/**
 * The in-memory stock of the fake, with the Go store's rules (server/internal/store): ids
 * `food-00000001`, `food-00000002`, … in the order assigned; writes with a request_id applied
 * at most once; every add and change sent to the subscribers. It hands out copies.
 *
 * @example
 * const store = new FoodStore(() => new Date());
 * const { food } = store.add('', { ...Food.fromPartial({ name: '保存水 2L', quantity: 6 }) });
 */
export class FoodStore {
  private readonly foods = new Map<string, Food>();
  private nextId = 0;
  private readonly addKeys = new RequestIds('add');
  private readonly consumeKeys = new RequestIds('consume');
  private readonly deleteKeys = new RequestIds('delete');
  private readonly subscribers = new Set<(food: Food) => void>();

  constructor(private readonly now: () => Date) {}

  /** Stores `f` under a new id; a repeated request_id returns the food stored the first time. */
  add(requestId: string, f: Food): { food: Food; outcome: Outcome } {
    const now = this.now();
    const inputs = [f.name, f.category, f.quantity, f.unit, f.bestBefore, f.location];
    const { replay, outcome } = this.addKeys.lookup(requestId, inputs, now.getTime());
    if (outcome.replayed && replay?.food) return { food: copy(replay.food), outcome };
    const food: Food = { ...f, id: `food-${String(++this.nextId).padStart(8, '0')}`, createdAt: now, updatedAt: now };
    this.foods.set(food.id, food);
    this.addKeys.remember(replay, inputs, food);
    this.publish(food);
    return { food: copy(food), outcome };
  }

  /** The food with this id; `NOT_FOUND` with a ResourceInfo otherwise. */
  get(id: string): Food {
    return copy(this.must(id));
  }

  /**
   * Applies `change` to a copy of the food and stores the result (id and createdAt kept,
   * updatedAt set) unless `change` throws.
   */
  update(id: string, change: (f: Food) => void): Food {
    const old = this.must(id);
    const f = copy(old);
    change(f);
    const food = { ...f, id: old.id, createdAt: old.createdAt, updatedAt: this.now() };
    this.foods.set(id, food);
    this.publish(food);
    return copy(food);
  }

  /** Takes `n` units out of stock; a repeated request_id returns the food as returned then. */
  consume(requestId: string, id: string, n: number): { food?: Food; outcome: Outcome; error?: PantryError } {
    const now = this.now();
    const inputs = [id, n];
    const { replay, outcome } = this.consumeKeys.lookup(requestId, inputs, now.getTime());
    if (outcome.replayed && replay?.food) return { food: copy(replay.food), outcome };
    const f = this.foods.get(id);
    if (!f) return { outcome, error: notFound(id) };
    if (n > f.quantity) {
      const message = `quantity: ${n} requested but only ${f.quantity} in stock`;
      const short = detail(PreconditionFailure, { violations: [{ type: 'STOCK', subject: id, description: message }] });
      return { outcome, error: fakeStatus(Code.FAILED_PRECONDITION, message, [short]) };
    }
    const food = { ...f, quantity: f.quantity - n, updatedAt: now };
    this.foods.set(id, food);
    this.consumeKeys.remember(replay, inputs, food);
    this.publish(food);
    return { food: copy(food), outcome };
  }

  /** Removes the food; a repeated request_id succeeds again. */
  delete(requestId: string, id: string): { outcome: Outcome; error?: PantryError } {
    const { replay, outcome } = this.deleteKeys.lookup(requestId, [id], this.now().getTime());
    if (outcome.replayed) return { outcome };
    const f = this.foods.get(id);
    if (!f) return { outcome, error: notFound(id) };
    this.foods.delete(id);
    this.deleteKeys.remember(replay, [id], f);
    return { outcome };
  }

  /** Up to `q.limit` matching foods in id order, and whether more follow. */
  list(q: FoodQuery): { foods: Food[]; more: boolean } {
    const foods: Food[] = [];
    for (const f of this.foods.values()) {
      if (q.after !== '' && f.id <= q.after) continue;
      if (q.category !== 0 && f.category !== q.category) continue;
      if (q.expiringBefore !== '' && (f.bestBefore === '' || f.bestBefore >= q.expiringBefore)) continue;
      if (foods.length === q.limit) return { foods, more: true };
      foods.push(copy(f));
    }
    return { foods, more: false };
  }

  /** Every food for which `match` holds, in id order. */
  snapshot(match: (f: Food) => boolean = () => true): Food[] {
    return [...this.foods.values()].filter(match).map(copy);
  }

  /** Calls `listener` with every food added or changed from now on; returns the unsubscribe. */
  subscribe(listener: (food: Food) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private must(id: string): Food {
    const f = this.foods.get(id);
    if (!f) throw notFound(id);
    return f;
  }

  private publish(food: Food): void {
    for (const listener of this.subscribers) listener(copy(food));
  }
}

function copy(f: Food): Food {
  return { ...f };
}

function notFound(id: string): PantryError {
  return fakeStatus(Code.NOT_FOUND, `food ${goQuote(id)} not found`, [
    detail(ResourceInfo, { resourceType: 'pantry.v1.Food', resourceName: id, description: 'no food has this id' }),
  ]);
}
