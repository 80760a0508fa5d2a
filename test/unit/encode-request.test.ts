import { describe, expect, it } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { encodeRequest } from '../../src/schema/encode-request.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { methodInfo } from '../../src/schema/method-info.js';

const S = FoodStorageServiceDefinition;
const addFood = methodInfo(S, S.methods.addFood);

describe('encodeRequest', () => {
  it('encodes a good request', () => {
    expect(
      encodeRequest(addFood, addFood.requestType.fromPartial({ food: { name: 'rice', quantity: 2 } })).length,
    ).toBeGreaterThan(0);
  });

  it('names the field of a value out of range for its wire type', () => {
    let err: unknown;
    try {
      encodeRequest(addFood, addFood.requestType.fromPartial({ food: { name: 'rice', quantity: 2 ** 40 } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).code).toBe(Code.INVALID_ARGUMENT);
    expect((err as PantryError).details).toMatch(/^request field food\.quantity: .*int32/);
  });
});
