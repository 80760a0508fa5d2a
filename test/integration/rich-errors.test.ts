import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequest,
  Category,
  Code,
  createClient,
  ErrorInfo,
  PantryError,
  PreconditionFailure,
  ResourceInfo,
  type PantryClient,
} from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';

// The google.rpc details the Go server attaches to its statuses, read through the proxy with the
// generated types: BadRequest field violations (also in the message), ResourceInfo, PreconditionFailure
// and the ErrorInfo reason.
let stack: PantryStack | undefined;
let client: PantryClient | undefined;

beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process' });
  client = createClient(stack.address, stack.certDir, { retry: false });
});
afterAll(async () => {
  client?.close();
  await stack?.stop();
});

async function failure(call: () => Promise<unknown>): Promise<PantryError> {
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!PantryError.is(err)) throw new Error(`expected a PantryError, got ${String(err)}`);
  return err;
}

describe('rich errors from the Go server', () => {
  it('findDetails(BadRequest) returns the field violations, and the message lists them', async () => {
    const err = await failure(() =>
      client!.foodStorage.addFood({
        food: { name: '', quantity: 1, category: 99 as Category, bestBefore: '2027-13-40' },
      }),
    );
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    const violations = err.findDetails(BadRequest).flatMap((d) => d.fieldViolations);
    expect(violations.map(({ field, description }) => ({ field, description }))).toEqual([
      { field: 'food.name', description: 'must be 1 to 200 characters' },
      { field: 'food.category', description: '99 is not a known category' },
      { field: 'food.best_before', description: '"2027-13-40" is not a YYYY-MM-DD date' },
    ]);
    for (const v of violations) expect(err.message).toContain(`${v.field}: ${v.description}`);
    expect(err.message).toMatch(
      /^\[INVALID_ARGUMENT\] pantry\.v1\.FoodStorageService\/AddFood: food\.name: must be 1 to 200 characters/,
    );
    expect(err.statusDetails.map((d) => d.type)).toEqual(['google.rpc.BadRequest']);
  });

  it('names the missing food with ResourceInfo', async () => {
    const err = await failure(() => client!.foodStorage.getFood({ id: 'food-99999999' }));
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.findDetails(ResourceInfo)).toEqual([
      expect.objectContaining({ resourceType: 'pantry.v1.Food', resourceName: 'food-99999999' }),
    ]);
  });

  it('says what is short with PreconditionFailure, and a reused request_id by its ErrorInfo reason', async () => {
    const { food } = await client!.foodStorage.addFood({
      food: { name: '保存水 2L', quantity: 2, category: Category.WATER },
    });
    expect(food!.category).toBe(Category.WATER);
    const short = await failure(() => client!.foodStorage.consumeFood({ id: food!.id, quantity: 5 }));
    expect(short.code).toBe(Code.FAILED_PRECONDITION);
    expect(short.findDetails(PreconditionFailure)[0].violations[0]).toMatchObject({ type: 'STOCK', subject: food!.id });
    expect(short.reason).toBeUndefined();

    const requestId = `rich-errors-${Date.now()}`;
    await client!.foodStorage.consumeFood({ id: food!.id, quantity: 1, requestId });
    const reused = await failure(() => client!.foodStorage.consumeFood({ id: food!.id, quantity: 2, requestId }));
    expect(reused.reason).toBe('REQUEST_ID_REUSED');
    expect(reused.findDetails(ErrorInfo)[0]).toMatchObject({
      domain: 'pantry.v1',
      metadata: { request_id: requestId },
    });
    expect(reused.findDetails(PreconditionFailure)[0].violations[0].type).toBe('REQUEST_ID');
  });
});
