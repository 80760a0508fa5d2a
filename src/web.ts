/**
 * `@pantry/client/web`: the pantry client for browsers, over gRPC-Web through Envoy's `grpc_web`
 * filter, with the Node client's pipeline (deadlines, safe retries, interceptors, tracing,
 * `PantryError` with hints and details). It imports no Node built-in and no grpc-js.
 *
 * @example
 * import { createWebClient } from '@pantry/client/web';
 * const client = createWebClient('https://pantry.example.com:8443', { token: () => session.jwt });
 * const { message } = await client.hello.hello({ name: 'browser' });
 *
 * @packageDocumentation
 */
export { createWebClient, type PantryWebClient, type WebClientOptions } from './client/create-web-client.js';
export type { CallOptions } from './pipeline/call-options.js';
export { PantryError, type PantryErrorInit } from './errors/pantry-error.js';
export type { StatusDetail, DetailType } from './errors/status-details.js';
export { Code, codeName, type CodeName } from './errors/code.js';
export type { CallMetadata, MetadataValue } from './metadata/call-metadata.js';
export { PlainMetadata } from './metadata/plain-metadata.js';
export {
  composeInterceptors,
  type Interceptor,
  type CallFn,
  type CallRequest,
  type CallResponse,
  type UnaryRequest,
  type ServerStreamRequest,
  type UnaryResponse,
  type ServerStreamResponse,
} from './pipeline/interceptor.js';
export type { MethodInfo, Idempotency, CallKind } from './schema/method-info.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry/policy.js';
export type { Logger } from './observability/logger.js';
export type { ServiceClient } from './client/service-client.js';
export type { AddFoodInput, FoodInput, UpdateFoodInput, RequestInput } from './schema/inputs.js';
export {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  ResourceInfo,
  RetryInfo,
} from './generated/google/rpc/error_details.js';
export { Category, Food } from './generated/pantry/v1/food.js';
