import { describe, expect, it } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { encodeRequest } from '../../src/schema/encode-request.js';
import { methodInfo } from '../../src/schema/method-info.js';

// encodeRequest names the field whose value cannot be encoded, at any depth, with the fix.

const refusal = (method: ReturnType<typeof methodInfo>, message: unknown) => {
  try {
    encodeRequest(method, message);
  } catch (e) {
    expect(e).toBeInstanceOf(PantryError);
    const p = e as PantryError;
    expect([p.code, p.method]).toEqual([Code.INVALID_ARGUMENT, method.path]);
    return { details: p.details, hint: p.hint, cause: p.cause };
  }
  throw new Error('encoded');
};

describe('encodeRequest names the field', () => {
  const list = methodInfo(S, S.methods.listFoods);
  const add = methodInfo(S, S.methods.addFood);
  const update = methodInfo(S, S.methods.updateFood);

  it('at the top level, nested, and for an enum', () => {
    const top = refusal(list, { ...(list.requestType.fromPartial({}) as object), pageSize: 2 ** 40 });
    expect(top.details).toMatch(/^request field pageSize: /);
    expect(top.hint).toBe('check the type of pageSize against the ListFoodsRequest message');
    expect(top.cause).toBeInstanceOf(Error);
    const nested = refusal(add, add.requestType.fromPartial({ food: { name: 'rice', category: 2 ** 40 } }));
    expect(nested.details).toMatch(/^request field food\.category: /);
    expect(nested.hint).toBe('check the type of food.category against the AddFoodRequest message');
  });

  it('skips fields that are unset, and the well-known types', () => {
    const m = add.requestType.fromPartial({ food: { name: 'rice', quantity: 2 ** 40 } });
    (m as { requestId?: unknown }).requestId = undefined;
    expect(refusal(add, m).details).toMatch(/^request field food\.quantity: /);
    const u = update.requestType.fromPartial({ food: { quantity: 2 ** 40 }, updateMask: { paths: ['quantity'] } });
    expect(refusal(update, u).details).toMatch(/^request field food\.quantity: /);
  });

  it('says "(unknown field)" when no field is to blame', () => {
    const broken = {
      ...add,
      requestType: {
        ...add.requestType,
        encode: () => {
          throw new Error('boom');
        },
      },
    };
    expect(refusal(broken as never, add.requestType.fromPartial({ food: { name: 'ok' } })).details).toBe(
      'request field (unknown field): boom',
    );
    expect(refusal(broken as never, null).details).toBe('request field (unknown field): boom');
  });

  it('encodes a good request to the bytes of its codec', () => {
    const m = add.requestType.fromPartial({ food: { name: 'rice', quantity: 2 }, requestId: 'r' });
    expect(encodeRequest(add, m).equals(Buffer.from(add.requestType.encode(m).finish()))).toBe(true);
  });
});
