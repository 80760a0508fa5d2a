/**
 * `@pantry/client`: a typed gRPC client for the pantry service (`pantry.v1.FoodStorageService`
 * and `hello.v1.HelloService`) over mutual TLS, with deadlines, safe retries, tracing, and
 * errors that name the cause and the fix.
 *
 * @example
 * import { createClient } from '@pantry/client';
 * const client = createClient('pantry.example.com:443', './certs');
 * const { food } = await client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } });
 *
 * @packageDocumentation
 */
export { createClient, type PantryClient } from './client/create-client.js';
export type { ClientOptions } from './client/client-options.js';
export type { CallOptions } from './pipeline/call-options.js';
export type { CallObserver } from './pipeline/call-observer.js';
export type { TelemetryOptions } from './telemetry/telemetry-options.js';
export { PantryError, type PantryErrorInit } from './errors/pantry-error.js';
export type { StatusDetail, DetailType } from './errors/status-details.js';
export { Code, codeName, type CodeName } from './errors/code.js';
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
export { DEFAULT_HEDGING, type HedgingOptions } from './retry/hedging.js';
export type { Logger } from './observability/logger.js';
export { TRACERS, type TracerName, type TraceOptions, type Verbosity } from './observability/tracer.js';
export type { TlsInputs, PemInput } from './tls/material.js';
export { probeTls, type TlsProbeResult } from './tls/probe.js';
export type { ServiceClient } from './client/service-client.js';
export type { DeepPartial } from './schema/message-type.js';
export { messageToJson } from './schema/to-json.js';
export type {
  AddFoodInput,
  FoodInput,
  UpdateFoodInput,
  ServerSetFoodField,
  RequestInput,
  RequestInputs,
} from './schema/inputs.js';
export { Metadata } from '@grpc/grpc-js';
export type { CallMetadata, MetadataValue } from './metadata/call-metadata.js';
export { PlainMetadata } from './metadata/plain-metadata.js';

export {
  BadRequest,
  BadRequest_FieldViolation,
  DebugInfo,
  ErrorInfo,
  Help,
  Help_Link,
  LocalizedMessage,
  PreconditionFailure,
  PreconditionFailure_Violation,
  QuotaFailure,
  QuotaFailure_Violation,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from './generated/google/rpc/error_details.js';
export { Status } from './generated/google/rpc/status.js';
export { HelloRequest, HelloResponse } from './generated/hello/v1/hello.js';
export { Category, Food } from './generated/pantry/v1/food.js';
export {
  AddFoodRequest,
  AddFoodResponse,
  GetFoodRequest,
  GetFoodResponse,
  ListFoodsRequest,
  ListFoodsResponse,
  UpdateFoodRequest,
  UpdateFoodResponse,
  ConsumeFoodRequest,
  ConsumeFoodResponse,
  DeleteFoodRequest,
  DeleteFoodResponse,
  WatchExpiringFoodsRequest,
  WatchExpiringFoodsResponse,
} from './generated/pantry/v1/food_storage_service.js';
