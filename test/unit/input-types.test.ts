import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AddFoodInput,
  AddFoodResponse,
  BadRequest,
  messageToJson,
  Category,
  Food,
  type FoodInput,
  type HelloRequest,
  type PantryClient,
  type DeepPartial,
} from '../../src/index.js';

// The input types, checked by the compiler (`npm run typecheck` covers test/): each
// `@ts-expect-error` fails the typecheck when the line compiles.
type Foods = PantryClient['foodStorage'];

describe('input types', () => {
  it('addFood takes an AddFoodInput: the fields the server sets do not compile', () => {
    expectTypeOf<Parameters<Foods['addFood']>[0]>().toEqualTypeOf<AddFoodInput | undefined>();
    expectTypeOf<FoodInput>().not.toHaveProperty('id');
    expectTypeOf<FoodInput>().not.toHaveProperty('createdAt');
    expectTypeOf<FoodInput>().not.toHaveProperty('updatedAt');
    expectTypeOf<FoodInput>().toHaveProperty('bestBefore');
    const compileOnly = (foods: Foods) => {
      foods.addFood({ food: { name: '保存水 2L', category: Category.WATER, quantity: 6 }, requestId: 'r1' });
      // @ts-expect-error id is set by the server
      foods.addFood({ food: { id: 'food-1', name: 'x' } });
      // @ts-expect-error createdAt is set by the server
      foods.addFood({ food: { name: 'x', createdAt: new Date() } });
      // @ts-expect-error updatedAt is set by the server
      foods.addFood({ food: { name: 'x', updatedAt: new Date() } });
      // updateFood names the food by id; the timestamps stay the server's.
      foods.updateFood({ food: { id: 'food-1', quantity: 2 }, updateMask: ['quantity'] });
      // @ts-expect-error createdAt is set by the server
      foods.updateFood({ food: { id: 'food-1', createdAt: new Date() } });
    };
    expect(compileOnly).toBeTypeOf('function');
  });

  it('other methods take DeepPartial of their request', () => {
    expectTypeOf<Parameters<PantryClient['hello']['hello']>[0]>().toEqualTypeOf<
      DeepPartial<HelloRequest> | undefined
    >();
  });

  it('enums read naturally, and toJSON prints their names', () => {
    expect(Category.WATER).toBe(1);
    const food = Food.fromPartial({ name: '保存水 2L', category: Category.WATER });
    expect(Food.toJSON(food)).toEqual({ name: '保存水 2L', category: 'CATEGORY_WATER' });
    expect(Food.fromJSON({ category: 'CATEGORY_SNACK' }).category).toBe(Category.SNACK);
  });

  it('keeps an enum value this client does not know as its number, and messageToJson prints it', () => {
    const bytes = Food.encode(Food.fromPartial({ name: 'x', category: 42 as Category })).finish();
    const food = Food.decode(bytes);
    expect(food.category).toBe(42);
    expect(messageToJson(Food, food)).toEqual({ name: 'x', category: 42 });
  });

  it('messageToJson prints enum names, RFC 3339 timestamps, nested and google.rpc messages', () => {
    const food = Food.fromPartial({
      id: 'food-1',
      name: '保存水 2L',
      category: Category.WATER,
      createdAt: new Date(0),
    });
    expect(messageToJson(Food, food)).toEqual({
      id: 'food-1',
      name: '保存水 2L',
      category: 'CATEGORY_WATER',
      createdAt: '1970-01-01T00:00:00Z',
    });
    expect(messageToJson(AddFoodResponse, { food })).toMatchObject({ food: { category: 'CATEGORY_WATER' } });
    expect(
      messageToJson(
        BadRequest,
        BadRequest.fromPartial({ fieldViolations: [{ field: 'food.name', description: 'd' }] }),
      ),
    ).toEqual({ fieldViolations: [{ field: 'food.name', description: 'd' }] });
  });
});
