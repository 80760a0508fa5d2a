import { createClient } from '../client/create-client.js';
import type { ClientOptions } from '../client/client-options.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import type { ServiceDefinition } from '../client/service-client.js';
import { schemaOf } from '../schema/registry.js';
import { checkShape, shapeOf } from '../schema/request-shape.js';
import { RequestJsonError, requestFromJson } from '../schema/request-json.js';
import { messageToJson } from '../schema/to-json.js';
import { UsageError } from './usage-error.js';

const SERVICES: Array<[keyof ReturnType<typeof createClient> & ('hello' | 'foodStorage'), ServiceDefinition]> = [
  ['hello', HelloServiceDefinition],
  ['foodStorage', FoodStorageServiceDefinition],
];

/**
 * Makes one call named `Service/Method` (full or short service name, e.g.
 * `FoodStorageService/ListFoods`) with a JSON request, and writes the response — each message of
 * a stream — as JSON lines through `write`, enums by name. A small grpcurl for this service.
 *
 * The JSON is checked as the typed API checks a request, before anything is sent
 * ({@link requestFromJson}, then the API's own `checkShape`): an unknown field, an unknown enum
 * name, a bad timestamp or a value of the wrong type throws a {@link UsageError} naming the field
 * (the CLI exits 2). A failed call rejects with the client's `PantryError` (exit 1).
 *
 * @example
 * await callMethod('hello.v1.HelloService/Hello', '{"name":"pantry"}', { address, certDir }, console.log);
 */
export async function callMethod(
  target: string,
  json: string,
  options: ClientOptions,
  write: (line: string) => void,
): Promise<void> {
  const [serviceName, methodName] = target.replace(/^\//, '').split('/');
  const found = SERVICES.find(([, s]) => s.fullName === serviceName || s.name === serviceName);
  const method = found && Object.entries(found[1].methods).find(([, m]) => m.name === methodName);
  if (!found || !method) {
    const known = SERVICES.flatMap(([, s]) => Object.values(s.methods).map((m) => `${s.fullName}/${m.name}`));
    throw new UsageError('call', `no method "${target}"`, `one of: ${known.join(', ')}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json || '{}');
  } catch (err) {
    throw new UsageError(
      'call',
      `the request is not JSON: ${(err as Error).message}`,
      `e.g. '{"food": {"name": "サバ缶", "quantity": 3}}'`,
    );
  }
  const [key, def] = method;
  const schema = schemaOf(def.requestType);
  let message: Record<string, unknown>;
  try {
    message = requestFromJson(schema, parsed);
  } catch (err) {
    if (!(err instanceof RequestJsonError)) throw err;
    throw new UsageError('call', `request field ${err.message}`, `see ${schema.typeName} in the proto`);
  }
  // The typed API's own check (it runs again in the call): refused here means nothing was sent.
  const problem = checkShape(shapeOf(schema), message);
  if (problem) throw new UsageError('call', `request field ${problem}`, `see ${schema.typeName} in the proto`);
  await using client = createClient(options);
  const fn = (client[found[0]] as unknown as Record<string, (r: unknown) => Promise<unknown> | AsyncIterable<unknown>>)[
    key
  ];
  const result = fn(message);
  if (def.responseStream) {
    for await (const m of result as AsyncIterable<unknown>) write(JSON.stringify(messageToJson(def.responseType, m)));
  } else {
    write(JSON.stringify(messageToJson(def.responseType, await result), null, 2));
  }
}
