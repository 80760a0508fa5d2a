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

// Who catches a bad request decides what the caller gets: the client refuses it before anything is
// sent (no status details), the server answers with a google.rpc detail naming the field. Each
// case states its exact text and its side, so a check that moves from one side to the other shows.
type Case = [
  name: string,
  call: () => Promise<unknown>,
  code: Code,
  details: string | RegExp,
  caughtBy: 'client' | string,
];
const cases: Case[] = [
  // Caught by the client (request shape, encoding, call options): nothing reaches the server.
  [
    'a quantity given as a string',
    () => fs().addFood({ food: { name: 'x', quantity: '6' as never } }),
    Code.INVALID_ARGUMENT,
    'request field food.quantity: expected a number, got a string ("6")',
    'client',
  ],
  [
    'a name given as a number',
    () => fs().addFood({ food: { name: 42 as never } }),
    Code.INVALID_ARGUMENT,
    'request field food.name: expected a string, got a number',
    'client',
  ],
  [
    'an unknown field',
    () => fs().addFood({ food: { name: 'x', expires: '2027-01-01' } as never }),
    Code.INVALID_ARGUMENT,
    /^request field food\.expires: no such field \(fields: id, name, category, /,
    'client',
  ],
  [
    'a quantity beyond int32',
    () => fs().addFood({ food: { name: 'x', quantity: 2 ** 31 } }),
    Code.INVALID_ARGUMENT,
    'request field food.quantity: invalid int32: 2147483648',
    'client',
  ],
  [
    'a request that is an array',
    () => fs().addFood([] as never),
    Code.INVALID_ARGUMENT,
    'request must be an object (a partial AddFoodRequest), got an array',
    'client',
  ],
  [
    'call options that are not an object',
    () => fs().getFood({ id: foodId }, 'fast' as never),
    Code.INVALID_ARGUMENT,
    'call options must be an object, got string',
    'client',
  ],
  [
    'a negative per-call deadline',
    () => fs().getFood({ id: foodId }, { deadlineMs: -1 }),
    Code.INVALID_ARGUMENT,
    'call option deadlineMs must be a positive number of milliseconds, got -1',
    'client',
  ],
  [
    'a negative per-call retry count',
    () => fs().getFood({ id: foodId }, { retry: { maxAttempts: -1 } }),
    Code.INVALID_ARGUMENT,
    'call option retry.maxAttempts: must be an integer from 1 to 10, got -1',
    'client',
  ],
  // Caught by the Go server: its text, and the google.rpc detail it attaches.
  [
    'a negative quantity',
    () => fs().addFood({ food: { name: 'x', quantity: -1 } }),
    Code.INVALID_ARGUMENT,
    'food.quantity: must not be negative',
    'google.rpc.BadRequest',
  ],
  [
    'an empty name',
    () => fs().addFood({ food: { name: '' } }),
    Code.INVALID_ARGUMENT,
    'food.name: must be 1 to 200 characters',
    'google.rpc.BadRequest',
  ],
  [
    'a name over 200 characters',
    () => fs().addFood({ food: { name: 'あ'.repeat(201) } }),
    Code.INVALID_ARGUMENT,
    'food.name: must be 1 to 200 characters',
    'google.rpc.BadRequest',
  ],
  [
    'a best-before that is not a date',
    () => fs().addFood({ food: { name: 'x', bestBefore: '2027-13-45' } }),
    Code.INVALID_ARGUMENT,
    'food.best_before: "2027-13-45" is not a YYYY-MM-DD date',
    'google.rpc.BadRequest',
  ],
  [
    'an unknown category number',
    () => fs().addFood({ food: { name: 'x', category: 99 as never } }),
    Code.INVALID_ARGUMENT,
    'food.category: 99 is not a known category',
    'google.rpc.BadRequest',
  ],
  ['no food at all', () => fs().addFood({}), Code.INVALID_ARGUMENT, 'food: required', 'google.rpc.BadRequest'],
  [
    'a page size over the maximum',
    () => fs().listFoods({ pageSize: 5000 }),
    Code.INVALID_ARGUMENT,
    'page_size: must be at most 1000',
    'google.rpc.BadRequest',
  ],
  [
    'a forged page token',
    () => fs().listFoods({ pageToken: 'not-a-token!!' }),
    Code.INVALID_ARGUMENT,
    'page_token: is not a next_page_token of a previous ListFoods response',
    'google.rpc.BadRequest',
  ],
  [
    'an expiring_before that is not a date',
    () => fs().listFoods({ expiringBefore: 'tomorrow' }),
    Code.INVALID_ARGUMENT,
    'expiring_before: "tomorrow" is not a YYYY-MM-DD date',
    'google.rpc.BadRequest',
  ],
  [
    'an unknown update_mask path',
    () => fs().updateFood({ food: { id: foodId }, updateMask: ['colour'] }),
    Code.INVALID_ARGUMENT,
    'update_mask.paths: "colour" is not one of name, category, quantity, unit, best_before, location',
    'google.rpc.BadRequest',
  ],
  [
    'an update without id',
    () => fs().updateFood({ food: { name: 'y' } }),
    Code.INVALID_ARGUMENT,
    'food.id: must not be empty',
    'google.rpc.BadRequest',
  ],
  [
    'consuming more than in stock',
    () => fs().consumeFood({ id: foodId, quantity: 5 }),
    Code.FAILED_PRECONDITION,
    'quantity: 5 requested but only 2 in stock',
    'google.rpc.PreconditionFailure',
  ],
  [
    'consuming zero',
    () => fs().consumeFood({ id: foodId, quantity: 0 }),
    Code.INVALID_ARGUMENT,
    'quantity: must be at least 1',
    'google.rpc.BadRequest',
  ],
  [
    'an unknown id',
    () => fs().getFood({ id: 'food-99999999' }),
    Code.NOT_FOUND,
    'food "food-99999999" not found',
    'google.rpc.ResourceInfo',
  ],
  [
    'an empty id',
    () => fs().deleteFood({ id: '' }),
    Code.INVALID_ARGUMENT,
    'id: must not be empty',
    'google.rpc.BadRequest',
  ],
  [
    'a watch window over ten years',
    () => fs().watchExpiringFoods({ withinDays: 99_999 })[Symbol.asyncIterator]().next(),
    Code.INVALID_ARGUMENT,
    'within_days: must be 0 to 3650',
    'google.rpc.BadRequest',
  ],
  // grpc-go's own limit: a status without details.
  [
    "a message over the server's 4 MiB limit",
    () => fs().addFood({ food: { name: 'x', location: 'x'.repeat(5 * 2 ** 20) } }),
    Code.RESOURCE_EXHAUSTED,
    /^grpc: received message larger than max \(\d+ vs\. 4194304\)$/,
    'server',
  ],
];

describe('bad request messages', () => {
  it.each(cases)('%s', async (_name, call, code, details, caughtBy) => {
    const err = (await call().then(
      () => undefined,
      (e) => e,
    )) as PantryError;
    expect(err).toBeInstanceOf(PantryError);
    expect(err.codeName).toBe(Code[code]);
    if (typeof details === 'string') expect(err.details).toBe(details);
    else expect(err.details).toMatch(details);
    const detailTypes = err.statusDetails.map((d) => d.type);
    if (caughtBy === 'client' || caughtBy === 'server') expect(detailTypes).toEqual([]);
    else expect(detailTypes).toEqual([caughtBy]);
  });

  it('leaves the client usable afterwards', async () => {
    expect((await fs().getFood({ id: foodId })).food!.quantity).toBe(2);
  });
});
