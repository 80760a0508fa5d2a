import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError, type PantryClient } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';

// Bad request messages against the real server: each a PantryError with the expected code and a
// message naming the culprit — whether the client or the server catches it. No crash, no
// unhandled rejection (vitest fails the run on one).
let stack: PantryStack;
let client: PantryClient;
let foodId: string;

beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process' });
  client = createClient(stack.address, stack.certDir, { retry: false });
  foodId = (await client.foodStorage.addFood({ food: { name: 'サバ缶', quantity: 2 } })).food!.id;
});
afterAll(async () => {
  client?.close();
  await stack?.stop();
});

const fs = () => client.foodStorage;
const cases: Array<[string, () => Promise<unknown>, Code, RegExp]> = [
  [
    'a quantity given as a string',
    () => fs().addFood({ food: { name: 'x', quantity: '6' as never } }),
    Code.INVALID_ARGUMENT,
    /food\.quantity: expected a number/,
  ],
  [
    'a name given as a number',
    () => fs().addFood({ food: { name: 42 as never } }),
    Code.INVALID_ARGUMENT,
    /food\.name: expected a string/,
  ],
  [
    'an unknown field',
    () => fs().addFood({ food: { name: 'x', expires: '2027-01-01' } as never }),
    Code.INVALID_ARGUMENT,
    /food\.expires: no such field/,
  ],
  [
    'a quantity beyond int32',
    () => fs().addFood({ food: { name: 'x', quantity: 2 ** 31 } }),
    Code.INVALID_ARGUMENT,
    /food\.quantity: .*int32/,
  ],
  [
    'a negative quantity',
    () => fs().addFood({ food: { name: 'x', quantity: -1 } }),
    Code.INVALID_ARGUMENT,
    /food\.quantity/,
  ],
  ['an empty name', () => fs().addFood({ food: { name: '' } }), Code.INVALID_ARGUMENT, /food\.name/],
  [
    'a name over 200 characters',
    () => fs().addFood({ food: { name: 'あ'.repeat(201) } }),
    Code.INVALID_ARGUMENT,
    /food\.name/,
  ],
  [
    'a best-before that is not a date',
    () => fs().addFood({ food: { name: 'x', bestBefore: '2027-13-45' } }),
    Code.INVALID_ARGUMENT,
    /food\.best_before/,
  ],
  [
    'an unknown category number',
    () => fs().addFood({ food: { name: 'x', category: 99 as never } }),
    Code.INVALID_ARGUMENT,
    /food\.category/,
  ],
  ['no food at all', () => fs().addFood({}), Code.INVALID_ARGUMENT, /food/],
  ['a page size over the maximum', () => fs().listFoods({ pageSize: 5000 }), Code.INVALID_ARGUMENT, /page_size/],
  ['a forged page token', () => fs().listFoods({ pageToken: 'not-a-token!!' }), Code.INVALID_ARGUMENT, /page_token/],
  [
    'an expiring_before that is not a date',
    () => fs().listFoods({ expiringBefore: 'tomorrow' }),
    Code.INVALID_ARGUMENT,
    /expiring_before/,
  ],
  [
    'an unknown update_mask path',
    () => fs().updateFood({ food: { id: foodId }, updateMask: ['colour'] }),
    Code.INVALID_ARGUMENT,
    /colour/,
  ],
  ['an update without id', () => fs().updateFood({ food: { name: 'y' } }), Code.INVALID_ARGUMENT, /id/],
  [
    'consuming more than in stock',
    () => fs().consumeFood({ id: foodId, quantity: 5 }),
    Code.FAILED_PRECONDITION,
    /quantity: 5 requested but only 2 in stock/,
  ],
  ['consuming zero', () => fs().consumeFood({ id: foodId, quantity: 0 }), Code.INVALID_ARGUMENT, /quantity/],
  ['an unknown id', () => fs().getFood({ id: 'food-99999999' }), Code.NOT_FOUND, /food-99999999/],
  ['an empty id', () => fs().deleteFood({ id: '' }), Code.INVALID_ARGUMENT, /id/],
  [
    'a watch window over ten years',
    () => fs().watchExpiringFoods({ withinDays: 99_999 })[Symbol.asyncIterator]().next(),
    Code.INVALID_ARGUMENT,
    /within_days/,
  ],
  [
    "a message over the server's 4 MiB limit",
    () => fs().addFood({ food: { name: 'x', location: 'x'.repeat(5 * 2 ** 20) } }),
    Code.RESOURCE_EXHAUSTED,
    /larger than max|message/i,
  ],
  ['a request that is an array', () => fs().addFood([] as never), Code.INVALID_ARGUMENT, /request must be an object/],
  [
    'call options that are not an object',
    () => fs().getFood({ id: foodId }, 'fast' as never),
    Code.INVALID_ARGUMENT,
    /call options must be an object/,
  ],
  [
    'a negative per-call deadline',
    () => fs().getFood({ id: foodId }, { deadlineMs: -1 }),
    Code.INVALID_ARGUMENT,
    /deadlineMs must be a positive number/,
  ],
  [
    'a negative per-call retry count',
    () => fs().getFood({ id: foodId }, { retry: { maxAttempts: -1 } }),
    Code.INVALID_ARGUMENT,
    /retry\.maxAttempts/,
  ],
];

describe('bad request messages', () => {
  it.each(cases)('%s', async (_name, call, code, culprit) => {
    const err = await call().then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).codeName).toBe(Code[code]);
    expect((err as PantryError).message).toMatch(culprit);
  });

  it('leaves the client usable afterwards', async () => {
    expect((await fs().getFood({ id: foodId })).food!.quantity).toBe(2);
  });
});
