import { createClient } from '../client/create-client.js';
import type { ClientOptions } from '../client/client-options.js';
import { Code } from '../errors/code.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import { configError } from '../errors/pantry-error.js';
import type { ServiceDefinition } from '../client/service-client.js';

const SERVICES: Array<[keyof ReturnType<typeof createClient> & ('hello' | 'foodStorage'), ServiceDefinition]> = [
  ['hello', HelloServiceDefinition],
  ['foodStorage', FoodStorageServiceDefinition],
];

/**
 * Makes one call named `Service/Method` (full or short service name, e.g.
 * `FoodStorageService/ListFoods`) with a JSON request, and writes the response — each message of
 * a stream — as JSON lines through `write`. A small grpcurl for this service.
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
    throw configError(Code.INVALID_ARGUMENT, `no method "${target}"`, `one of: ${known.join(', ')}`);
  }
  let request: unknown;
  try {
    request = JSON.parse(json || '{}');
  } catch (err) {
    throw configError(
      Code.INVALID_ARGUMENT,
      `the request is not JSON: ${(err as Error).message}`,
      `e.g. '{"food": {"name": "サバ缶", "quantity": 3}}'`,
    );
  }
  const [key, def] = method;
  const message = def.requestType.fromJSON(request);
  await using client = createClient(options);
  const fn = (client[found[0]] as unknown as Record<string, (r: unknown) => Promise<unknown> | AsyncIterable<unknown>>)[
    key
  ];
  const result = fn(message);
  if (def.responseStream) {
    for await (const m of result as AsyncIterable<unknown>) write(JSON.stringify(def.responseType.toJSON(m)));
  } else {
    write(JSON.stringify(def.responseType.toJSON(await result), null, 2));
  }
}
