/**
 * What `@pantry/client` needs of a ts-proto generated message (`MessageFns<T>`), and the partial
 * request shape callers write (`DeepPartial<T>`): both taken from the generated code, not copied.
 *
 * @example
 * const bytes = HelloRequest.encode(HelloRequest.fromPartial({ name: 'pantry' })).finish();
 * const req: DeepPartial<AddFoodRequest> = { food: { name: '保存水 2L', quantity: 6 } };
 */
export type { DeepPartial, MessageFns as MessageType } from '../generated/pantry/v1/food_storage_service.js';
