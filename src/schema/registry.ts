/**
 * `schema/` owns what the client knows about the proto messages and methods: the method facts
 * (path, kind, idempotency, request_id), the descriptors buf generates (protoc-gen-es) and the
 * request checks built on them (shape before sending, the culprit of an encode failure).
 * It may import `errors/`, `src/generated/` and @bufbuild/protobuf; nothing else of the SDK.
 *
 * This file maps each ts-proto codec (the objects the calls use) to its message descriptor.
 *
 * @example
 * schemaOf(AddFoodRequest).fields.map((f) => f.localName) // ['food', 'requestId']
 */
import type { DescEnum, DescFile, DescMessage } from '@bufbuild/protobuf';
import * as errorDetails from '../generated/google/rpc/error_details.js';
import { file_google_rpc_error_details } from '../generated/google/rpc/error_details_pb.js';
import * as status from '../generated/google/rpc/status.js';
import { file_google_rpc_status } from '../generated/google/rpc/status_pb.js';
import * as hello from '../generated/hello/v1/hello.js';
import { file_hello_v1_hello } from '../generated/hello/v1/hello_pb.js';
import * as food from '../generated/pantry/v1/food.js';
import { file_pantry_v1_food } from '../generated/pantry/v1/food_pb.js';
import * as foodStorage from '../generated/pantry/v1/food_storage_service.js';
import { file_pantry_v1_food_storage_service } from '../generated/pantry/v1/food_storage_service_pb.js';

const byCodec = new Map<unknown, DescMessage>();
const byEnum = new Map<DescEnum, Readonly<Record<string, string | number>>>();
for (const [codecs, file] of [
  [hello, file_hello_v1_hello],
  [food, file_pantry_v1_food],
  [foodStorage, file_pantry_v1_food_storage_service],
  [errorDetails, file_google_rpc_error_details],
  [status, file_google_rpc_status],
] as Array<[Record<string, unknown>, DescFile]>) {
  for (const desc of file.messages) {
    if (codecs[desc.name]) byCodec.set(codecs[desc.name], desc);
    // Nested messages: ts-proto names them Outer_Inner (BadRequest_FieldViolation).
    for (const nested of desc.nestedMessages) {
      const name = `${desc.name}_${nested.name}`;
      if (codecs[name]) byCodec.set(codecs[name], nested);
    }
  }
  // ts-proto names an enum by its path in the file: Category, or Food_State for one nested in Food.
  const prefix = file.proto.package ? `${file.proto.package}.` : '';
  const enums = [...file.enums, ...allMessages(file.messages).flatMap((m) => m.nestedEnums)];
  for (const desc of enums) {
    const object = codecs[desc.typeName.slice(prefix.length).replace(/\./g, '_')];
    if (object && typeof object === 'object') byEnum.set(desc, object as Record<string, string | number>);
  }
}

function allMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);
}

/**
 * The enum object ts-proto generated for an enum descriptor (e.g. `Category`: names to values,
 * with the reverse mapping of a numeric TypeScript enum), or `undefined` for an enum of no
 * generated file. The names a request may use for an enum value are this object's.
 *
 * @example
 * enumObjectOf(schemaOf(Food).fields.find((f) => f.localName === 'category')!.enum!)?.[1] // the name of value 1
 */
export function enumObjectOf(desc: DescEnum): Readonly<Record<string, string | number>> | undefined {
  return byEnum.get(desc);
}

/**
 * The descriptor of a generated message, found by its ts-proto codec; throws for a codec of no
 * generated file (a hand-made definition).
 *
 * @example
 * schemaOf(HelloRequest).typeName // 'hello.v1.HelloRequest'
 */
export function schemaOf(codec: unknown): DescMessage {
  const desc = byCodec.get(codec);
  if (!desc)
    throw new Error('no message descriptor for this codec: requests must be generated messages of src/generated');
  return desc;
}
