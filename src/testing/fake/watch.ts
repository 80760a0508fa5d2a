import { Code } from '../../errors/code.js';
import type { Food } from '../../generated/pantry/v1/food.js';
import type {
  WatchExpiringFoodsRequest,
  WatchExpiringFoodsResponse,
} from '../../generated/pantry/v1/food_storage_service.js';
import { addDays, daysBetween, parseDate, today } from './calendar.js';
import type { FoodStore } from './food-store.js';
import { fakeStatus } from './status.js';
import { Violations } from './violations.js';

const DEFAULT_WITHIN_DAYS = 30;
const MAX_WITHIN_DAYS = 3650;
/** How many changes a follower may fall behind before its stream is ended, as on the Go server. */
const WATCH_BUFFER = 1024;

/** The best-before dates up to `days` after today, past ones included. */
class Window {
  readonly today: Date;
  private readonly last: string;

  constructor(now: Date, days: number) {
    this.today = today(now);
    this.last = addDays(this.today, days);
  }

  contains(f: Food): boolean {
    return f.bestBefore !== '' && f.bestBefore <= this.last;
  }

  response(f: Food): WatchExpiringFoodsResponse {
    return { food: f, daysLeft: daysBetween(this.today, parseDate(f.bestBefore)!) };
  }
}

/**
 * `WatchExpiringFoods` as the Go server streams it (server/internal/service/watch.go): every
 * food within `within_days` (0 means 30) soonest first, then with `follow` each food added or
 * updated into the window until the client cancels; when the fake closes, a following stream
 * ends with `UNAVAILABLE` ("server is shutting down; watch again"), and so does one that falls
 * more than 1024 changes behind ("watch fell more than 1024 changes behind; watch again").
 *
 * @example
 * for await (const { food, daysLeft } of watchExpiringFoods(store, () => new Date())(req, signal, closing)) …
 */
export function watchExpiringFoods(store: FoodStore, now: () => Date) {
  return async function* watch(
    req: WatchExpiringFoodsRequest,
    signal: AbortSignal,
    closing: AbortSignal,
  ): AsyncGenerator<WatchExpiringFoodsResponse> {
    const days = req.withinDays === 0 ? DEFAULT_WITHIN_DAYS : req.withinDays;
    if (days < 0 || days > MAX_WITHIN_DAYS) {
      const v = new Violations();
      v.add('within_days', `must be 0 to ${MAX_WITHIN_DAYS}`);
      v.throwIfAny();
    }
    let window = new Window(now(), days);
    const changes: Food[] = [];
    let wake: (() => void) | undefined;
    let lagged = false;
    const unsubscribe = req.follow
      ? store.subscribe((f) => {
          if (lagged) return;
          if (changes.length === WATCH_BUFFER) {
            lagged = true; // the changes buffered so far are still sent, then the stream ends
            unsubscribe?.();
          } else changes.push(f);
          wake?.();
        })
      : undefined;
    const ended = () => signal.aborted || closing.aborted;
    const onEnd = () => wake?.();
    signal.addEventListener('abort', onEnd);
    closing.addEventListener('abort', onEnd);
    try {
      const first = store.snapshot((f) => window.contains(f));
      first.sort((a, b) => compare(a.bestBefore, b.bestBefore) || compare(a.id, b.id));
      for (const f of first) yield window.response(f);
      if (!unsubscribe) return;
      for (;;) {
        if (changes.length === 0 && !lagged && !ended()) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (closing.aborted) throw fakeStatus(Code.UNAVAILABLE, 'server is shutting down; watch again');
        if (signal.aborted) return;
        const f = changes.shift();
        if (f === undefined) {
          if (lagged)
            throw fakeStatus(Code.UNAVAILABLE, `watch fell more than ${WATCH_BUFFER} changes behind; watch again`);
          continue;
        }
        const current = today(now());
        if (current.getTime() !== window.today.getTime()) window = new Window(current, days);
        if (window.contains(f)) yield window.response(f);
      }
    } finally {
      unsubscribe?.();
      signal.removeEventListener('abort', onEnd);
      closing.removeEventListener('abort', onEnd);
    }
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
