/**
 * The request types callers write where they differ from `DeepPartial<Request>`: the fields the
 * server sets (`Food.id`, `createdAt`, `updatedAt`) are not accepted as input. The proto keeps
 * one `Food` message (the wire format is unchanged); these mapped types leave those fields out.
 */
import type { Food } from '../generated/pantry/v1/food.js';
import type { AddFoodRequest, UpdateFoodRequest } from '../generated/pantry/v1/food_storage_service.js';
import type { DeepPartial } from './message-type.js';

/**
 * The fields of `Food` that only the server sets.
 *
 * @example
 * const setByServer: ServerSetFoodField[] = ['id', 'createdAt', 'updatedAt'];
 */
export type ServerSetFoodField = 'id' | 'createdAt' | 'updatedAt';

/**
 * A food as `AddFood` takes it: every field a caller may set, none the server sets.
 *
 * @example
 * const food: FoodInput = { name: '保存水 2L', category: Category.WATER, quantity: 6, bestBefore: '2027-01-01' };
 */
export type FoodInput = DeepPartial<Omit<Food, ServerSetFoodField>>;

/**
 * The request of `addFood`: `AddFoodRequest` whose `food` is a {@link FoodInput}, so `id`,
 * `createdAt` and `updatedAt` do not compile.
 *
 * @example
 * const req: AddFoodInput = { food: { name: 'サバ缶', quantity: 3 } };
 * await client.foodStorage.addFood(req);
 */
export type AddFoodInput = Omit<DeepPartial<AddFoodRequest>, 'food'> & { food?: FoodInput };

/**
 * The request of `updateFood`: `food.id` names the food to change; `createdAt` and `updatedAt`
 * are the server's.
 *
 * @example
 * await client.foodStorage.updateFood({ food: { id, quantity: 4 }, updateMask: ['quantity'] });
 */
export type UpdateFoodInput = Omit<DeepPartial<UpdateFoodRequest>, 'food'> & {
  food?: DeepPartial<Omit<Food, 'createdAt' | 'updatedAt'>>;
};

/**
 * The input types by `service/method`, for the methods whose input is not `DeepPartial<Request>`.
 *
 * @example
 * type T = RequestInputs['pantry.v1.FoodStorageService/AddFood']; // AddFoodInput
 */
export interface RequestInputs {
  'pantry.v1.FoodStorageService/AddFood': AddFoodInput;
  'pantry.v1.FoodStorageService/UpdateFood': UpdateFoodInput;
}

/**
 * What a caller passes to a method: its entry in {@link RequestInputs}, else `DeepPartial<Request>`.
 *
 * @example
 * type T = RequestInput<'hello.v1.HelloService', 'Hello', HelloRequest>; // DeepPartial<HelloRequest>
 */
export type RequestInput<Service, Method, Request> =
  `${Service & string}/${Method & string}` extends keyof RequestInputs
    ? RequestInputs[`${Service & string}/${Method & string}`]
    : DeepPartial<Request>;
