import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

/**
 * What `@pantry/client` needs of a ts-proto generated message: the shape of `MessageFns<T>`.
 *
 * @example
 * const bytes = HelloRequest.encode(HelloRequest.fromPartial({ name: 'pantry' })).finish();
 */
export interface MessageType<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: any): T;
  toJSON(message: T): unknown;
  fromJSON(object: any): T;
}

type Builtin = Date | Function | Uint8Array | string | number | boolean | bigint | undefined;

/**
 * A request as callers may write it: every field optional, nested messages too
 * (the same shape as ts-proto's `DeepPartial`).
 *
 * @example
 * const req: DeepPartial<AddFoodRequest> = { food: { name: '保存水 2L', quantity: 6 } };
 */
export type DeepPartial<T> = T extends Builtin
  ? T
  : T extends ReadonlyArray<infer U>
    ? ReadonlyArray<DeepPartial<U>>
    : T extends {}
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : Partial<T>;
