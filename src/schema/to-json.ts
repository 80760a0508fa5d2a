import { fromBinary, type JsonValue, type JsonWriteOptions, toJson } from '@bufbuild/protobuf';
import { schemaOf } from './registry.js';

/** What {@link messageToJson} needs of a generated message type: its ts-proto codec. */
interface Encodable<T> {
  encode(message: T): { finish(): Uint8Array };
}

/**
 * A message in the proto3 JSON form, for printing and logging: enum values by name
 * (`"category": "CATEGORY_WATER"`), a value this client does not know as its number (where the
 * generated `Food.toJSON` throws), Timestamps as RFC 3339 text, fields at their default left out
 * (`{ alwaysEmitImplicit: true }` writes them). Works for the messages of `@pantry/client`
 * (`Food`, every request and response, the `google.rpc` error details).
 *
 * @example
 * const { food } = await client.foodStorage.getFood({ id });
 * console.log(messageToJson(Food, food!));
 * // { id: 'food-00000001', name: '保存水 2L', category: 'CATEGORY_WATER', quantity: 6, … }
 */
export function messageToJson<T>(type: Encodable<T>, message: T, options?: Partial<JsonWriteOptions>): JsonValue {
  const schema = schemaOf(type);
  return toJson(schema, fromBinary(schema, type.encode(message).finish()), options);
}
