import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, composeInterceptors, PantryError } from '../../src/index.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { serviceClient } from '../../src/client/service-client.js';

const sent: unknown[] = [];
const client = serviceClient(
  FoodStorageServiceDefinition,
  composeInterceptors([], async (req) => {
    sent.push(req.message);
    return { kind: 'unary' as const, message: {}, header: new Metadata() };
  }),
);

const bad: Array<[string, () => Promise<unknown>, RegExp]> = [
  [
    'a string where an int32 belongs',
    () => client.addFood({ food: { name: 'rice', quantity: '6' as never } }),
    /food\.quantity: expected a number, got a string \("6"\)/,
  ],
  [
    'a number where a string belongs',
    () => client.addFood({ requestId: 42 as never }),
    /requestId: expected a string, got a number/,
  ],
  ['NaN as a quantity', () => client.consumeFood({ id: 'a', quantity: NaN }), /quantity: expected a number, got NaN/],
  [
    'a misspelt field',
    () => client.addFood({ food: { nam: 'rice' } as never }),
    /food\.nam: no such field \(fields: id, name, category/,
  ],
  [
    'a non-array field mask',
    () => client.updateFood({ food: { id: 'a' }, updateMask: 'name' as never }),
    /updateMask: expected an array/,
  ],
  [
    'a string as a nested message',
    () => client.addFood({ food: 'rice' as never }),
    /food: expected an object, got a string/,
  ],
  [
    // createdAt is the server's (not in AddFoodInput); from JavaScript it still meets the Date check.
    'an invalid Date',
    () => client.addFood({ food: { createdAt: new Date('nope') } } as never),
    /food\.createdAt: expected a valid Date/,
  ],
  // Names that a plain-object lookup finds on Object.prototype are no fields either.
  ['constructor as a field', () => client.addFood({ constructor: 1 } as never), /constructor: no such field/],
  [
    'toString as a nested field',
    () => client.addFood({ food: { toString: 'x' } } as never),
    /food\.toString: no such field/,
  ],
  ['hasOwnProperty as a field', () => client.getFood({ hasOwnProperty: 1 } as never), /hasOwnProperty: no such field/],
  [
    'a JSON __proto__ key',
    () => client.addFood(JSON.parse('{"food": {"name": "rice"}, "__proto__": {"x": 1}}')),
    /__proto__: no such field/,
  ],
  [
    'a boolean given as a string',
    () =>
      client
        .watchExpiringFoods({ follow: 'yes' as never })
        [Symbol.asyncIterator]()
        .next(),
    /follow: expected a boolean/,
  ],
];

describe('request shape check', () => {
  it.each(bad)('rejects %s, naming the field', async (_name, call, fragment) => {
    const before = sent.length;
    const err = (await call().catch((e) => e)) as PantryError;
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.message).toMatch(fragment);
    expect(sent.length).toBe(before); // nothing was sent
  });

  it('accepts a correct partial request and fills in the defaults', async () => {
    await client.addFood({ food: { name: '保存水 2L', quantity: 6 } });
    expect(sent.at(-1)).toMatchObject({ food: { name: '保存水 2L', quantity: 6, unit: '', category: 0 } });
  });
});
