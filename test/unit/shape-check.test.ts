import { describe, expect, it } from 'vitest';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { checkShape, shapeOf, type Shape } from '../../src/schema/request-shape.js';
import { methodInfo } from '../../src/schema/method-info.js';

// The request shape check, called directly: the shape read from the descriptors, and the exact
// message for each wrong value.

const shape = (name: keyof typeof S.methods) => shapeOf(methodInfo(S, S.methods[name]).requestSchema!);

describe('shapeOf', () => {
  it('maps proto fields to JS kinds, well-known types included', () => {
    expect(shape('updateFood')).toEqual({
      kind: 'message',
      fields: {
        food: {
          kind: 'message',
          fields: {
            id: { kind: 'string' },
            name: { kind: 'string' },
            category: { kind: 'number' },
            quantity: { kind: 'number' },
            unit: { kind: 'string' },
            bestBefore: { kind: 'string' },
            location: { kind: 'string' },
            createdAt: { kind: 'date' },
            updatedAt: { kind: 'date' },
          },
        },
        updateMask: { kind: 'array', element: { kind: 'string' } },
      },
    });
    expect(Object.getPrototypeOf((shape('getFood') as { fields: object }).fields)).toBeNull();
  });
});

describe('checkShape', () => {
  const add = shape('addFood');
  const update = shape('updateFood');
  const cases: Array<[Shape, unknown, string | undefined]> = [
    [add, {}, undefined],
    [add, { food: null, requestId: undefined }, undefined],
    [add, { food: { name: 'rice', quantity: 2, createdAt: new Date(0) } }, undefined],
    [add, 'x', 'request: expected an object, got a string ("x")'],
    [add, [], 'request: expected an object, got an array'],
    [add, 5, 'request: expected an object, got a number'],
    [add, { food: 'rice' }, 'food: expected an object, got a string ("rice")'],
    [add, { food: { name: 5 } }, 'food.name: expected a string, got a number'],
    [add, { food: { name: 'x'.repeat(25) } }, undefined],
    [add, { food: { quantity: '2' } }, 'food.quantity: expected a number, got a string ("2")'],
    [
      add,
      { food: { quantity: 'x'.repeat(21) } },
      `food.quantity: expected a number, got a string ("${'x'.repeat(20)}…")`,
    ],
    [
      add,
      { food: { quantity: 'x'.repeat(20) } },
      `food.quantity: expected a number, got a string ("${'x'.repeat(20)}")`,
    ],
    [add, { food: { quantity: Infinity } }, 'food.quantity: expected a number, got Infinity'],
    [add, { food: { quantity: true } }, 'food.quantity: expected a number, got a boolean'],
    [add, { food: { createdAt: '2030-01-01' } }, 'food.createdAt: expected a valid Date, got a string ("2030-01-01")'],
    [add, { food: { createdAt: new Date('nope') } }, 'food.createdAt: expected a valid Date, got an invalid Date'],
    [add, { food: { createdAt: {} } }, 'food.createdAt: expected a valid Date, got an object'],
    [
      add,
      { food: { nam: 'x' } },
      'food.nam: no such field (fields: id, name, category, quantity, unit, bestBefore, location, createdAt, updatedAt)',
    ],
    [add, { foods: [] }, 'foods: no such field (fields: food, requestId)'],
    [update, { updateMask: ['name', 'quantity'] }, undefined],
    [update, { updateMask: 'name' }, 'updateMask: expected an array, got a string ("name")'],
    [update, { updateMask: ['name', 3] }, 'updateMask[1]: expected a string, got a number'],
    [update, { updateMask: [null, 'x'] }, undefined],
    [{ kind: 'bytes' }, new Uint8Array(1), undefined],
    [{ kind: 'bytes' }, 'AA==', ': expected a Uint8Array, got a string ("AA==")'],
    [{ kind: 'boolean' }, 0, ': expected a boolean, got a number'],
    [{ kind: 'boolean' }, false, undefined],
    [{ kind: 'any' }, Symbol.iterator, undefined],
  ];
  it.each(cases)('%#: %o', (s, value, want) => {
    expect(checkShape(s, value)).toBe(want);
  });
});
