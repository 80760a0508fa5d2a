import { describe, expect, it } from 'vitest';
import { Category, Food } from '../../src/generated/pantry/v1/food.js';
import {
  AddFoodRequest,
  ListFoodsRequest,
  UpdateFoodRequest,
} from '../../src/generated/pantry/v1/food_storage_service.js';
import { plainDetails } from '../../src/errors/plain.js';
import { schemaOf } from '../../src/schema/registry.js';
import { checkShape, shapeOf } from '../../src/schema/request-shape.js';
import { requestFromJson } from '../../src/schema/request-json.js';

// `pantry-client call`'s JSON → the partial request the typed API takes, then the API's own check.
const list = schemaOf(ListFoodsRequest);
const add = schemaOf(AddFoodRequest);
/** The generated enum's name for a number, read from the enum object (whatever naming the generator uses). */
const nameOf = (n: number) => (Category as unknown as Record<number, string>)[n];
const apiCheck = (desc: typeof list, json: unknown) => checkShape(shapeOf(desc), requestFromJson(desc, json));

describe('requestFromJson', () => {
  it('refuses an unknown field, also nested, naming the fields there are', () => {
    expect(() => requestFromJson(list, { pageSiz: 10 })).toThrow(
      /^pageSiz: no such field \(fields: pageSize, pageToken, category, expiringBefore\)$/,
    );
    expect(() => requestFromJson(add, { food: { nam: 'rice' } })).toThrow(/^food\.nam: no such field/);
  });

  it('takes the JSON name or the proto name, and null as the default', () => {
    expect(requestFromJson(list, { page_size: 10, pageToken: 't', category: null })).toEqual({
      pageSize: 10,
      pageToken: 't',
    });
  });

  it("takes an enum by the generated enum object's name, by proto name, or by number", () => {
    const water = Category[nameOf(1) as keyof typeof Category];
    expect(requestFromJson(list, { category: nameOf(1) })).toEqual({ category: water });
    expect(requestFromJson(list, { category: 'CATEGORY_WATER' })).toEqual({ category: water });
    expect(requestFromJson(add, { food: { category: 3 } })).toEqual({ food: { category: 3 } });
  });

  it('refuses an unknown enum name, listing the generated names', () => {
    expect(() => requestFromJson(add, { food: { category: 'WATERR' } })).toThrow(
      new RegExp(`^food\\.category: "WATERR" is not a pantry\\.v1\\.Category \\(one of: .*${nameOf(1)}`),
    );
    expect(() => requestFromJson(list, { category: 'UNRECOGNIZED' })).toThrow(/is not a pantry\.v1\.Category/);
    expect(() => requestFromJson(list, { category: '-1' })).toThrow(/is not a pantry\.v1\.Category/);
  });

  it('takes a Timestamp as an RFC 3339 string and refuses anything else', () => {
    const food = schemaOf(Food);
    expect(requestFromJson(food, { createdAt: '2027-01-01T00:00:00Z' })).toEqual({
      createdAt: new Date('2027-01-01T00:00:00Z'),
    });
    expect(requestFromJson(food, { created_at: '2027-01-01T09:00:00.5+09:00' })).toEqual({
      createdAt: new Date('2027-01-01T00:00:00.500Z'),
    });
    for (const bad of ['2027-01-01', '2027-13-45T00:00:00Z', 'tomorrow', 1798761600])
      expect(() => requestFromJson(food, { createdAt: bad })).toThrow(/^createdAt: expected an RFC 3339 timestamp/);
  });

  it('takes a FieldMask as "a,b" or as an array', () => {
    const update = schemaOf(UpdateFoodRequest);
    expect(requestFromJson(update, { updateMask: 'name,quantity' })).toEqual({ updateMask: ['name', 'quantity'] });
    expect(requestFromJson(update, { update_mask: ['name'] })).toEqual({ updateMask: ['name'] });
  });

  it('leaves wrong types to the API check, which refuses them as it refuses them from code', () => {
    expect(apiCheck(add, { food: { quantity: '6' } })).toBe('food.quantity: expected a number, got a string ("6")');
    expect(apiCheck(list, { pageSize: 10, category: nameOf(2) })).toBeUndefined();
    expect(() => requestFromJson(list, [])).toThrow(/^request: expected a JSON object, got an array/);
  });
});

describe('plainDetails', () => {
  it('turns an OpenSSL string into its reason and alert, without line breaks, timestamps or an empty resolution note', () => {
    const raw =
      'No connection established. Last error: Error: 40C7E1F5E57F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 48\n (2026-11-29T18:00:00.000Z). Resolution note: ';
    expect(plainDetails(raw)).toBe('No connection established. Last error: tlsv1 alert unknown ca (TLS alert 48)');
  });

  it('says a repeated sentence once and keeps a server message as it is', () => {
    expect(plainDetails('Connection dropped. Connection dropped.')).toBe('Connection dropped.');
    expect(plainDetails('food.name: must be 1 to 200 characters')).toBe('food.name: must be 1 to 200 characters');
    expect(plainDetails('Resolution note: DNS is down')).toBe('Resolution note: DNS is down');
  });
});

describe('plainDetails keeps what it does not clean', () => {
  it('keeps separators between distinct sentences', () => {
    const text =
      'address "a:b:c" (env PANTRY_ADDRESS): has more than one ":"; put an IPv6 address in brackets, e.g. [::1]:443';
    expect(plainDetails(text)).toBe(text);
  });
});
