import { expect } from 'vitest';
import { Category, type PantryClient } from '../../src/index.js';
import { failedStreamOutcome, type Outcome, outcomeOf, streamOutcome } from './outcome.js';

/**
 * One behaviour of the pantry, run against a server: it returns what it observed, which must be
 * the same for the Go server and the fake; `check` asserts the facts the case is about, so that
 * two servers agreeing on a wrong answer still fail.
 */
export interface ContractCase {
  readonly name: string;
  run(client: PantryClient): Promise<unknown>;
  check(observed: never): void;
}

const DAY_MS = 86_400_000;
/** The "YYYY-MM-DD" date `n` days from today (UTC), as the server counts days. */
const day = (n: number) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);
const fault = (md: Record<string, string>) => ({ metadata: md });
const isError = (o: Outcome, code: string) => expect(o).toMatchObject({ code });

/**
 * The cases, in order: later ones see the foods earlier ones stored (ids count from
 * food-00000001 on both servers, which start empty), so run all of them, in this order, on each.
 */
export const CASES: ContractCase[] = [
  {
    name: 'Hello greets the name, and "world" for none',
    run: async (c) => [
      await outcomeOf((o) => c.hello.hello({ name: 'pantry' }, o)),
      await outcomeOf((o) => c.hello.hello({}, o)),
    ],
    check: ([named, empty]: Outcome[]) => {
      expect(named).toMatchObject({ ok: { message: 'Hello, pantry!' } });
      expect(empty).toMatchObject({ ok: { message: 'Hello, world!' } });
    },
  },
  {
    name: 'AddFood stores with the next id, timestamps set, attempt header 1',
    run: (c) =>
      outcomeOf((o) =>
        c.foodStorage.addFood(
          {
            food: {
              name: '保存水 2L',
              category: Category.WATER,
              quantity: 6,
              unit: 'bottle',
              bestBefore: day(10),
              location: '玄関',
            },
          },
          o,
        ),
      ),
    check: (o: Outcome) =>
      expect(o).toEqual({
        ok: {
          food: {
            id: 'food-00000001',
            name: '保存水 2L',
            category: Category.WATER,
            quantity: 6,
            unit: 'bottle',
            bestBefore: day(10),
            location: '玄関',
            createdAt: 'set',
            updatedAt: 'set',
          },
        },
        headers: { 'pantry-attempt': '1' },
      }),
  },
  {
    name: 'AddFood names every invalid field in the message and in BadRequest',
    run: (c) =>
      outcomeOf((o) =>
        c.foodStorage.addFood(
          {
            food: {
              name: '',
              category: 99 as Category,
              quantity: -1,
              unit: 'u'.repeat(51),
              bestBefore: '2027-02-29',
              location: 'l'.repeat(201),
            },
            requestId: 'r'.repeat(201),
          },
          o,
        ),
      ),
    check: (o: Outcome) => {
      isError(o, 'INVALID_ARGUMENT');
      expect((o as { message: string }).message).toBe(
        'food.name: must be 1 to 200 characters; food.category: 99 is not a known category; ' +
          'food.quantity: must not be negative; food.unit: must be at most 50 characters; ' +
          'food.best_before: "2027-02-29" is not a YYYY-MM-DD date; food.location: must be at most 200 characters; ' +
          'request_id: must be at most 200 characters',
      );
      expect((o as { details: unknown[] }).details).toHaveLength(1);
    },
  },
  {
    name: 'AddFood without a food: "food: required"; names count characters, not bytes',
    run: async (c) => [
      await outcomeOf((o) => c.foodStorage.addFood({}, o)),
      await outcomeOf((o) => c.foodStorage.addFood({ food: { name: '米'.repeat(200), bestBefore: '2028-02-29' } }, o)),
    ],
    check: ([missing, long]: Outcome[]) => {
      expect(missing).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'food: required' });
      expect(long).toMatchObject({ ok: { food: { id: 'food-00000002', bestBefore: '2028-02-29' } } });
    },
  },
  {
    name: 'a repeated request_id replays the first AddFood; with another food it is REQUEST_ID_REUSED',
    run: async (c) => {
      const food = { name: '缶パン', category: Category.CANNED, quantity: 3, bestBefore: day(400) };
      return [
        await outcomeOf((o) => c.foodStorage.addFood({ food, requestId: 'contract-add' }, o)),
        await outcomeOf((o) => c.foodStorage.addFood({ food, requestId: 'contract-add' }, o)),
        await outcomeOf((o) => c.foodStorage.addFood({ food: { ...food, quantity: 4 }, requestId: 'contract-add' }, o)),
      ];
    },
    check: ([first, again, other]: Outcome[]) => {
      expect(first).toMatchObject({ ok: { food: { id: 'food-00000003' } }, headers: { 'pantry-attempt': '1' } });
      expect(again).toMatchObject({
        ok: { food: { id: 'food-00000003' } },
        headers: { 'pantry-attempt': '2', 'pantry-replayed': 'true' },
      });
      expect(other).toMatchObject({ code: 'FAILED_PRECONDITION' });
      expect((other as { details: { type: string }[] }).details.map((d) => d.type)).toEqual([
        'google.rpc.ErrorInfo',
        'google.rpc.PreconditionFailure',
      ]);
    },
  },
  {
    name: 'GetFood: the food; an empty id is INVALID_ARGUMENT; an unknown one NOT_FOUND with ResourceInfo',
    run: async (c) => [
      await outcomeOf((o) => c.foodStorage.getFood({ id: 'food-00000001' }, o)),
      await outcomeOf((o) => c.foodStorage.getFood({ id: '' }, o)),
      await outcomeOf((o) => c.foodStorage.getFood({ id: 'food-99999999' }, o)),
    ],
    check: ([found, empty, unknown]: Outcome[]) => {
      expect(found).toMatchObject({ ok: { food: { id: 'food-00000001', name: '保存水 2L' } }, headers: {} });
      expect(empty).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'id: must not be empty' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'food "food-99999999" not found' });
    },
  },
  {
    name: 'ListFoods pages in id order with tokens until the last page',
    run: async (c) => {
      for (const [name, category, offset] of [
        ['レトルトカレー', Category.RETORT, 5],
        ['アルファ米', Category.STAPLE, 200],
        ['乾パン', Category.STAPLE, -3],
        ['ようかん', Category.SNACK, 0],
      ] as const)
        await c.foodStorage.addFood({ food: { name, category, quantity: 2, bestBefore: day(offset) } });
      const pages: Outcome[] = [];
      let pageToken = '';
      do {
        const page = await outcomeOf((o) => c.foodStorage.listFoods({ pageSize: 3, pageToken }, o));
        pages.push(page);
        pageToken = (page as { ok?: { nextPageToken: string } }).ok?.nextPageToken ?? '';
      } while (pageToken !== '' && pages.length < 10);
      return pages;
    },
    check: (pages: { ok: { foods: { id: string }[]; nextPageToken: string } }[]) => {
      expect(pages.map((p) => p.ok.foods.map((f) => f.id))).toEqual([
        ['food-00000001', 'food-00000002', 'food-00000003'],
        ['food-00000004', 'food-00000005', 'food-00000006'],
        ['food-00000007'],
      ]);
      expect(pages.at(-1)!.ok.nextPageToken).toBe('');
    },
  },
  {
    name: 'ListFoods filters by category and by best-before date; the default page holds them all',
    run: async (c) => [
      await outcomeOf((o) => c.foodStorage.listFoods({ category: Category.STAPLE }, o)),
      await outcomeOf((o) => c.foodStorage.listFoods({ expiringBefore: day(6) }, o)),
      await outcomeOf((o) => c.foodStorage.listFoods({ category: Category.STAPLE, pageSize: 1 }, o)),
      await outcomeOf((o) => c.foodStorage.listFoods({}, o)),
    ],
    check: ([staple, expiring, onePage, all]: { ok: { foods: { id: string }[]; nextPageToken: string } }[]) => {
      expect(staple!.ok.foods.map((f) => f.id)).toEqual(['food-00000005', 'food-00000006']);
      expect(expiring!.ok.foods.map((f) => f.id)).toEqual(['food-00000004', 'food-00000006', 'food-00000007']);
      expect(onePage!.ok.nextPageToken).not.toBe('');
      expect(all!.ok.foods).toHaveLength(7);
    },
  },
  {
    name: 'ListFoods refuses a bad page size, token, category and date, all in one status',
    run: async (c) => [
      await outcomeOf((o) =>
        c.foodStorage.listFoods(
          { pageSize: -1, pageToken: 'not a token!', category: 42 as Category, expiringBefore: '2026-1-1' },
          o,
        ),
      ),
      await outcomeOf((o) =>
        c.foodStorage.listFoods({ pageSize: 1001, pageToken: Buffer.from('food-1').toString('base64url') }, o),
      ),
    ],
    check: ([bad, big]: Outcome[]) => {
      expect(bad).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message:
          'page_size: must not be negative; page_token: is not a next_page_token of a previous ListFoods response; ' +
          'category: 42 is not a known category; expiring_before: "2026-1-1" is not a YYYY-MM-DD date',
      });
      expect(big).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^page_size: must be at most 1000; page_token/),
      });
    },
  },
  {
    name: 'UpdateFood replaces only the masked fields; an empty mask replaces every writable field',
    run: async (c) => [
      await outcomeOf((o) =>
        c.foodStorage.updateFood(
          {
            food: { id: 'food-00000001', name: 'ignored', quantity: 4, location: '台所' },
            updateMask: ['quantity', 'location'],
          },
          o,
        ),
      ),
      await outcomeOf((o) => c.foodStorage.updateFood({ food: { id: 'food-00000007', name: '羊羹', quantity: 1 } }, o)),
    ],
    check: ([masked, all]: Outcome[]) => {
      expect(masked).toMatchObject({
        ok: { food: { name: '保存水 2L', quantity: 4, location: '台所', unit: 'bottle' } },
      });
      expect(all).toMatchObject({ ok: { food: { name: '羊羹', quantity: 1, category: 0, bestBefore: '', unit: '' } } });
    },
  },
  {
    name: 'UpdateFood refuses unknown mask paths, an unknown id, and a result that is invalid',
    run: async (c) => [
      await outcomeOf((o) =>
        c.foodStorage.updateFood({ food: { id: '' }, updateMask: ['id', 'quantity', 'createdAt'] }, o),
      ),
      await outcomeOf((o) => c.foodStorage.updateFood({}, o)),
      await outcomeOf((o) => c.foodStorage.updateFood({ food: { id: 'food-99999999', name: 'x' } }, o)),
      await outcomeOf((o) =>
        c.foodStorage.updateFood(
          { food: { id: 'food-00000001', name: '', bestBefore: 'tomorrow' }, updateMask: ['name', 'best_before'] },
          o,
        ),
      ),
    ],
    check: ([paths, missing, unknown, invalid]: Outcome[]) => {
      expect(paths).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message:
          'food.id: must not be empty; update_mask.paths: "id" is not one of name, category, quantity, unit, best_before, location; ' +
          'update_mask.paths: "createdAt" is not one of name, category, quantity, unit, best_before, location',
      });
      expect(missing).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'food: required' });
      expect(unknown).toMatchObject({ code: 'NOT_FOUND' });
      expect(invalid).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'food.name: must be 1 to 200 characters; food.best_before: "tomorrow" is not a YYYY-MM-DD date',
      });
    },
  },
  {
    name: 'ConsumeFood takes units out once per request_id; too many is STOCK; a changed request is REQUEST_ID_REUSED',
    run: async (c) => [
      await outcomeOf((o) =>
        c.foodStorage.consumeFood({ id: 'food-00000001', quantity: 1, requestId: 'contract-eat' }, o),
      ),
      await outcomeOf((o) =>
        c.foodStorage.consumeFood({ id: 'food-00000001', quantity: 1, requestId: 'contract-eat' }, o),
      ),
      await outcomeOf((o) =>
        c.foodStorage.consumeFood({ id: 'food-00000001', quantity: 2, requestId: 'contract-eat' }, o),
      ),
      await outcomeOf((o) => c.foodStorage.consumeFood({ id: 'food-00000001', quantity: 99 }, o)),
      await outcomeOf((o) => c.foodStorage.consumeFood({ id: '', quantity: 0 }, o)),
      await outcomeOf((o) =>
        c.foodStorage.consumeFood({ id: 'food-99999999', quantity: 1, requestId: 'contract-eat-missing' }, o),
      ),
    ],
    check: ([first, replay, reused, short, invalid, missing]: Outcome[]) => {
      expect(first).toMatchObject({ ok: { food: { quantity: 3 } }, headers: { 'pantry-attempt': '1' } });
      expect(replay).toMatchObject({ ok: { food: { quantity: 3 } }, headers: { 'pantry-replayed': 'true' } });
      expect(reused).toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: expect.stringContaining('different consume request'),
      });
      expect(short).toMatchObject({
        code: 'FAILED_PRECONDITION',
        message: 'quantity: 99 requested but only 3 in stock',
      });
      expect(invalid).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'id: must not be empty; quantity: must be at least 1',
      });
      expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    },
  },
  {
    name: 'DeleteFood: a repeated request_id answers OK again; a new one NOT_FOUND',
    run: async (c) => [
      await outcomeOf((o) => c.foodStorage.deleteFood({ id: 'food-00000002', requestId: 'contract-del' }, o)),
      await outcomeOf((o) => c.foodStorage.deleteFood({ id: 'food-00000002', requestId: 'contract-del' }, o)),
      await outcomeOf((o) => c.foodStorage.deleteFood({ id: 'food-00000002' }, o)),
      await outcomeOf((o) => c.foodStorage.deleteFood({ id: 'food-00000003', requestId: 'contract-del' }, o)),
      await outcomeOf((o) => c.foodStorage.getFood({ id: 'food-00000002' }, o)),
    ],
    check: ([first, again, fresh, reused, gone]: Outcome[]) => {
      expect(first).toEqual({ ok: {}, headers: { 'pantry-attempt': '1' } });
      expect(again).toEqual({ ok: {}, headers: { 'pantry-attempt': '2', 'pantry-replayed': 'true' } });
      expect(fresh).toMatchObject({ code: 'NOT_FOUND' });
      expect(reused).toMatchObject({ code: 'FAILED_PRECONDITION' });
      expect(gone).toMatchObject({ code: 'NOT_FOUND' });
    },
  },
  {
    name: 'WatchExpiringFoods sends the window soonest first with days left, past ones included',
    run: async (c) => [
      await streamOutcome(c.foodStorage.watchExpiringFoods({ withinDays: 7 }, { retry: false })),
      await streamOutcome(c.foodStorage.watchExpiringFoods({}, { retry: false })),
      await streamOutcome(c.foodStorage.watchExpiringFoods({ withinDays: 3651 }, { retry: false })),
    ],
    check: ([week, month, tooLong]: { messages: { food: { id: string }; daysLeft: number }[]; end: Outcome }[]) => {
      expect(week!.messages.map((m) => [m.food.id, m.daysLeft])).toEqual([
        ['food-00000006', -3],
        ['food-00000004', 5],
      ]);
      expect(month!.messages.map((m) => m.daysLeft)).toEqual([-3, 5, 10]);
      expect(tooLong!.end).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'within_days: must be 0 to 3650' });
    },
  },
  {
    name: 'WatchExpiringFoods with follow sends foods added, updated or consumed in the window; not others, not deletions',
    run: async (c) => {
      const controller = new AbortController();
      const seen: unknown[] = [];
      const stream = c.foodStorage.watchExpiringFoods({ withinDays: 30, follow: true }, { signal: controller.signal });
      let n = 0;
      try {
        for await (const m of stream) {
          seen.push([m.food?.name, m.daysLeft]);
          if (++n === 3) {
            // Subscribed (the first messages arrived): one outside the window, then one inside.
            await c.foodStorage.addFood({ food: { name: '遠い', bestBefore: day(90) } });
            await c.foodStorage.addFood({ food: { name: '近い', bestBefore: day(2) } });
          }
          if (n === 4)
            await c.foodStorage.updateFood({
              food: { id: 'food-00000005', bestBefore: day(1) },
              updateMask: ['best_before'],
            });
          if (n === 5) {
            // A deletion is not sent; a consumption is (the food changed, still in the window).
            await c.foodStorage.deleteFood({ id: 'food-00000006' });
            await c.foodStorage.consumeFood({ id: 'food-00000004', quantity: 1 });
          }
          if (n === 6) break;
        }
      } finally {
        controller.abort();
      }
      return seen;
    },
    check: (seen: unknown[]) =>
      expect(seen).toEqual([
        ['乾パン', -3],
        ['レトルトカレー', 5],
        ['保存水 2L', 10],
        ['近い', 2],
        ['アルファ米', 1],
        ['レトルトカレー', 5],
      ]),
  },
  {
    name: 'fault metadata: a status with pushback, and a lost response whose write was applied',
    run: async (c) => [
      await outcomeOf((o) =>
        c.foodStorage.getFood(
          { id: 'food-00000001' },
          {
            ...o,
            ...fault({
              'pantry-fault-code': 'resource_exhausted',
              'pantry-fault-message': 'slow down',
              'pantry-fault-pushback-ms': '250',
            }),
          },
        ),
      ),
      await outcomeOf((o) =>
        c.foodStorage.addFood(
          { food: { name: '失われた応答' }, requestId: 'contract-lost' },
          { ...o, ...fault({ 'pantry-fault-code': 'UNAVAILABLE', 'pantry-fault-after': 'true' }) },
        ),
      ),
      await outcomeOf((o) => c.foodStorage.addFood({ food: { name: '失われた応答' }, requestId: 'contract-lost' }, o)),
    ],
    check: ([pushback, lost, retry]: Outcome[]) => {
      expect(pushback).toEqual({ code: 'RESOURCE_EXHAUSTED', message: 'slow down', details: [], pushback: '250' });
      expect(lost).toEqual({ code: 'UNAVAILABLE', message: 'injected fault', details: [] });
      expect(retry).toMatchObject({ ok: { food: { name: '失われた応答' } }, headers: { 'pantry-replayed': 'true' } });
    },
  },
  {
    name: 'fault metadata: the first N requests of a key fail; a stream is cut after N messages; bad values are named',
    run: async (c) => {
      const firstTwo = fault({
        'pantry-fault-code': '14',
        'pantry-fault-times': '2',
        'pantry-fault-key': `contract-${Date.now()}`,
      });
      const calls: unknown[] = [];
      for (let i = 0; i < 3; i++)
        calls.push(await outcomeOf((o) => c.hello.hello({ name: 'n' }, { ...o, ...firstTwo })));
      const all = (await streamOutcome(c.foodStorage.watchExpiringFoods({}, { retry: false }))).messages;
      calls.push(
        await failedStreamOutcome(
          c.foodStorage.watchExpiringFoods(
            {},
            { retry: false, ...fault({ 'pantry-fault-stream-after': '2', 'pantry-fault-code': 'ABORTED' }) },
          ),
          all,
          2,
        ),
      );
      calls.push(await outcomeOf((o) => c.hello.hello({}, { ...o, ...fault({ 'pantry-fault-code': 'SOMETIMES' }) })));
      calls.push(await outcomeOf((o) => c.hello.hello({}, { ...o, ...fault({ 'pantry-fault-delay-ms': '-5' }) })));
      calls.push(
        await outcomeOf((o) =>
          c.hello.hello({}, { ...o, ...fault({ 'pantry-fault-code': '14', 'pantry-fault-times': '1' }) }),
        ),
      );
      return calls;
    },
    check: ([a, b, c, cut, code, delay, key]: {
      code?: string;
      ok?: unknown;
      prefix?: boolean;
      end?: Outcome;
      message?: string;
    }[]) => {
      expect([a!.code, b!.code, c!.ok]).toEqual(['UNAVAILABLE', 'UNAVAILABLE', { message: 'Hello, n!' }]);
      expect(cut!.prefix).toBe(true);
      expect(cut!.end).toMatchObject({ code: 'ABORTED', message: 'injected fault' });
      expect(code!.message).toBe(
        'pantry-fault-code: "SOMETIMES" is not a gRPC status code name or number, e.g. UNAVAILABLE or 14',
      );
      expect(delay!.message).toBe('pantry-fault-delay-ms: "-5" is not a non-negative integer');
      expect(key!.message).toMatch(/^pantry-fault-times needs pantry-fault-key/);
    },
  },
  {
    name: 'a page token continues after its food even when that food was deleted meanwhile',
    run: async (c) => {
      const first = await outcomeOf((o) => c.foodStorage.listFoods({ pageSize: 2 }, o));
      const page = (first as { ok: { foods: { id: string }[]; nextPageToken: string } }).ok;
      await c.foodStorage.deleteFood({ id: page.foods.at(-1)!.id });
      return [
        first,
        await outcomeOf((o) => c.foodStorage.listFoods({ pageSize: 2, pageToken: page.nextPageToken }, o)),
      ];
    },
    check: ([first, next]: { ok: { foods: { id: string }[] } }[]) => {
      expect(first!.ok.foods.map((f) => f.id)).toEqual(['food-00000001', 'food-00000003']);
      expect(next!.ok.foods.map((f) => f.id)).toEqual(['food-00000004', 'food-00000005']);
    },
  },
  {
    name: 'a name of 201 characters is refused, and 200 emoji (two UTF-16 units each) are not',
    run: async (c) => [
      await outcomeOf((o) => c.foodStorage.addFood({ food: { name: '米'.repeat(201) } }, o)),
      await outcomeOf((o) =>
        c.foodStorage.updateFood({ food: { id: 'food-00000001', name: '🍙'.repeat(200) }, updateMask: ['name'] }, o),
      ),
    ],
    check: ([long, emoji]: Outcome[]) => {
      expect(long).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'food.name: must be 1 to 200 characters' });
      expect(emoji).toMatchObject({ ok: { food: { name: '🍙'.repeat(200) } } });
    },
  },
  {
    name: 'dates are read as Go reads "2006-01-02": leap days, month ends, two-digit fields, no spaces',
    run: async (c) => {
      const dates = [
        '2028-02-29',
        '2027-02-29',
        '2026-04-31',
        '2026-04-30',
        '0000-01-01',
        '9999-12-31',
        '2026-00-10',
        '2026-13-01',
        '2026-01-00',
        '2026-01-32',
        ' 2026-01-01',
        '2026-01-01 ',
        '２０２６-01-01',
        '2026/01/01',
        '+2026-01-1',
      ];
      const out: Record<string, string> = {};
      for (const d of dates) {
        const o = await outcomeOf((opts) => c.foodStorage.listFoods({ expiringBefore: d, pageSize: 1 }, opts));
        out[d] = 'ok' in o ? 'ok' : o.message;
      }
      return out;
    },
    check: (out: Record<string, string>) => {
      expect(out['2028-02-29']).toBe('ok');
      expect(out['2027-02-29']).toBe('expiring_before: "2027-02-29" is not a YYYY-MM-DD date');
      expect(out['2026-04-30']).toBe('ok');
      expect(out['2026-04-31']).not.toBe('ok');
    },
  },
  {
    name: 'fault metadata: a write whose deadline passes during the delay is not applied',
    run: async (c) => {
      const before = (await c.foodStorage.listFoods({ pageSize: 1000 })).foods.length;
      const late = await outcomeOf((o) =>
        c.foodStorage.addFood(
          { food: { name: '遅すぎた' } },
          { ...o, deadlineMs: 200, ...fault({ 'pantry-fault-delay-ms': '800' }) },
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // past the delay
      const after = (await c.foodStorage.listFoods({ pageSize: 1000 })).foods.length;
      // DEADLINE_EXCEEDED from the client's timer, or now and then CANCELLED when the cancellation
      // wins the race on a loaded machine: either way the call ended by its deadline.
      const ended = 'code' in late && ['DEADLINE_EXCEEDED', 'CANCELLED'].includes(late.code);
      return { late: ended ? 'ended by its deadline' : late, added: after - before };
    },
    check: (o: { late: unknown; added: number }) => expect(o).toEqual({ late: 'ended by its deadline', added: 0 }),
  },
  {
    name: 'fault metadata: after=true ends the watch with the status after its messages; a numeric code with a message',
    run: async (c) => [
      await failedStreamOutcome(
        c.foodStorage.watchExpiringFoods(
          { withinDays: 7 },
          {
            retry: false,
            ...fault({ 'pantry-fault-code': '8', 'pantry-fault-after': '1', 'pantry-fault-message': 'later' }),
          },
        ),
        (await streamOutcome(c.foodStorage.watchExpiringFoods({ withinDays: 7 }, { retry: false }))).messages,
        Number.POSITIVE_INFINITY,
      ),
      await outcomeOf((o) =>
        c.hello.hello({}, { ...o, ...fault({ 'pantry-fault-code': '7', 'pantry-fault-message': 'not today' }) }),
      ),
    ],
    check: ([watched, denied]: [{ prefix: boolean; end: Outcome }, Outcome]) => {
      expect(watched.prefix).toBe(true);
      expect(watched.end).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: 'later' });
      expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', message: 'not today' });
    },
  },
];
