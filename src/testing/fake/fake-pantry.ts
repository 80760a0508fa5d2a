import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { Code } from '../../errors/code.js';
import { PantryError } from '../../errors/pantry-error.js';
import { HelloServiceDefinition } from '../../generated/hello/v1/hello.js';
import type { Food } from '../../generated/pantry/v1/food.js';
import { FoodStorageServiceDefinition } from '../../generated/pantry/v1/food_storage_service.js';
import { writeDevCertificates } from '../dev-certificates.js';
import type { FakeCall, FakeHandler, FakeMethod } from './fake-handlers.js';
import { bad, checkOptions, type FakePantryOptions, knownMethod } from './fake-options.js';
import { FakeServices } from './fake-services.js';
import type { FaultScript } from './faults.js';
import { type GenericService, grpcServiceOf } from './grpc-service.js';
import { healthService } from './health.js';

/** A running fake pantry; see {@link createFakePantry}. */
export interface FakePantry extends AsyncDisposable {
  /** `127.0.0.1:<port>`, for `createClient(fake.address, fake.certDir)`. */
  readonly address: string;
  /** Certificates the client dials with (`ca.crt`, `client.crt`, `client.key`). */
  readonly certDir: string;
  /** Scripts a failure for the next calls of `method`; scripts of one method apply in order. */
  fault(method: FakeMethod, script: FaultScript): void;
  /** Replaces the handler of `method` (`undefined` restores the fake's own). */
  handle<M extends FakeMethod>(method: M, handler: FakeHandler<M> | undefined): void;
  /** The calls received so far (every attempt), oldest first; only those of `method` when given. */
  calls(method?: FakeMethod): readonly FakeCall[];
  /** The foods in stock, in id order. */
  foods(): Food[];
  /** Ends following watches with `UNAVAILABLE`, stops the server and removes the certificates it made. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an in-process pantry for unit tests: a grpc-js server of `pantry.v1.FoodStorageService`
 * and `hello.v1.HelloService` on loopback with mutual TLS (dev certificates), in memory, that
 * answers as the Go server does (validation with `BadRequest` details, `NOT_FOUND` with
 * `ResourceInfo`, request_id dedupe and `REQUEST_ID_REUSED`, paging, update masks, the watch
 * stream). Reach it with the real `createClient`; it needs no Go, Docker or proxy. Needs the
 * optional peers `@peculiar/x509` and `reflect-metadata` for its certificates unless `certDir`
 * is given.
 *
 * @example
 * import { createClient } from '@pantry/client';
 * import { createFakePantry } from '@pantry/client/testing';
 * await using fake = await createFakePantry();
 * await using client = createClient(fake.address, fake.certDir);
 * await client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } });
 */
export async function createFakePantry(options: FakePantryOptions = {}): Promise<FakePantry> {
  checkOptions(options);
  const now = options.now ?? (() => new Date());
  const made = options.certDir === undefined ? await mkdtemp(join(tmpdir(), 'pantry-fake-')) : undefined;
  try {
    const certDir = options.certDir ?? (await writeDevCertificates(join(made!, 'certs'))).dir;
    const [ca, cert, key] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => certFile(certDir, f)));
    const credentials = ServerCredentials.createSsl(ca!, [{ cert_chain: cert!, private_key: key! }], true);
    const fake = new FakeServices(now, options.faultInjection ?? false, options.handlers ?? {});
    const server = new Server();
    server.addService(grpcServiceOf(FoodStorageServiceDefinition as GenericService), fake.implementation('food'));
    server.addService(grpcServiceOf(HelloServiceDefinition as GenericService), fake.implementation('hello'));
    const health = healthService(
      [FoodStorageServiceDefinition.fullName, HelloServiceDefinition.fullName],
      fake.closing.signal,
    );
    server.addService(health.definition, health.implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    let closed: Promise<void> | undefined;
    const close = () =>
      (closed ??= (async () => {
        fake.closing.abort();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.forceShutdown(), 1_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        if (made) await rm(made, { recursive: true, force: true });
      })());
    return {
      address: `127.0.0.1:${port}`,
      certDir,
      fault: (method, script) => fake.faults.script(knownMethod(method, 'fault'), script),
      handle: (method, handler) => {
        knownMethod(method, 'handle');
        if (handler === undefined) delete fake.handlers[method];
        else if (typeof handler === 'function') fake.handlers[method] = handler as never;
        else throw bad(`handle(${method}): the handler must be a function, got ${typeof handler}`);
      },
      calls: (method) => (method === undefined ? [...fake.received] : fake.received.filter((c) => c.method === method)),
      foods: () => fake.store.snapshot(),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    if (made) await rm(made, { recursive: true, force: true });
    throw err;
  }
}

/** A certificate file of `certDir`, or a PantryError naming the missing file. */
async function certFile(certDir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(certDir, name));
  } catch (err) {
    throw new PantryError({
      code: Code.FAILED_PRECONDITION,
      details: `createFakePantry: cannot read ${name} in certDir ${certDir}`,
      hint: 'certDir needs ca.crt, server.crt and server.key for the fake and client.crt, client.key for the client; writeDevCertificates makes them',
      cause: err,
    });
  }
}
