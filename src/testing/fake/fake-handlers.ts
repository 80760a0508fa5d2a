import type { HelloServiceDefinition } from '../../generated/hello/v1/hello.js';
import type { FoodStorageServiceDefinition } from '../../generated/pantry/v1/food_storage_service.js';
import type { Metadata } from '@grpc/grpc-js';
import type { HandlerContext } from './handler-context.js';

type FoodMethods = (typeof FoodStorageServiceDefinition)['methods'];
type HelloMethods = (typeof HelloServiceDefinition)['methods'];
type Methods = FoodMethods & HelloMethods;

/** A method of the fake, by its client name: `'addFood'`, `'getFood'`, …, `'watchExpiringFoods'`, `'hello'`. */
export type FakeMethod = keyof Methods;
/** The request type of a method, e.g. `FakeRequest<'getFood'>` is `GetFoodRequest`. */
export type FakeRequest<M extends FakeMethod> = ReturnType<Methods[M]['requestType']['decode']>;
/** The response type of a method (a stream's message type for the watch). */
export type FakeResponse<M extends FakeMethod> = ReturnType<Methods[M]['responseType']['decode']>;
/** What a handler may return: the response, fields left out meaning their defaults. */
export type FakeResponseInput<M extends FakeMethod> = Parameters<Methods[M]['responseType']['fromPartial']>[0];

/**
 * A handler of one method of the fake, replacing its own behaviour: a unary method returns its
 * response (or a promise of it), the watch an async iterable of messages. Throw a
 * {@link PantryError} (`fakeStatus(code, message, details)`) to answer with a status; `ctx.next`
 * is the fake's own behaviour.
 *
 * @example
 * const slowGet: FakeHandler<'getFood'> = async (req, ctx) => {
 *   await new Promise((r) => setTimeout(r, 100));
 *   return ctx.next(req);
 * };
 */
export type FakeHandler<M extends FakeMethod> = Methods[M]['responseStream'] extends true
  ? (
      request: FakeRequest<M>,
      ctx: HandlerContext<FakeRequest<M>, AsyncIterable<FakeResponse<M>>>,
    ) => AsyncIterable<FakeResponseInput<M>>
  : (
      request: FakeRequest<M>,
      ctx: HandlerContext<FakeRequest<M>, Promise<FakeResponse<M>>>,
    ) => Promise<FakeResponseInput<M>> | FakeResponseInput<M>;

/** Handlers by method; see {@link FakeHandler}. */
export type FakeHandlers = { [M in FakeMethod]?: FakeHandler<M> };

/** One call the fake received, for a test to assert on. */
export interface FakeCall {
  readonly method: FakeMethod;
  readonly request: unknown;
  readonly metadata: Metadata;
}
