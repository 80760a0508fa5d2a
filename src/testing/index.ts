/**
 * `@pantry/client/testing`: the integration harness. It starts the Go reference server behind
 * a TLS proxy that requires client certificates (Envoy by default, or HAProxy),
 * in containers through testcontainers or as local processes, with dev certificates.
 *
 * `testing/` owns the harness: the stack (`pantry-stack.ts`), its runtimes (`runtime/`: the
 * contract in `types.ts`, `docker.ts`, `process.ts`), proxies, binaries and dev certificates, and
 * the fake pantry for unit tests without a server (`fake/`: `createFakePantry()`). It
 * may import `tls/`, `errors/` and `client/` of the SDK (a Hello tells it when a restarted stack
 * serves again); the SDK never imports it (only `cli/`, lazily).
 *
 * Its optional peer dependencies load only when the feature that needs them runs: `testcontainers`
 * for the docker runtime, `@peculiar/x509` and `reflect-metadata` for dev certificates (the
 * default when no `certDir` is given). A missing one is a `FAILED_PRECONDITION` PantryError
 * naming the package to install.
 *
 * @example
 * import { startPantryStack } from '@pantry/client/testing';
 * import { createClient } from '@pantry/client';
 * const stack = await startPantryStack();
 * const client = createClient(stack.address, stack.certDir);
 * await client.hello.hello({ name: 'test' });
 * client.close(); await stack.stop();
 *
 * @example
 * import { createFakePantry } from '@pantry/client/testing';
 * await using fake = await createFakePantry(); // in-process, no Go: for unit tests
 * await using client = createClient(fake.address, fake.certDir);
 *
 * @packageDocumentation
 */
export { startPantryStack, type PantryStack, type PantryStackOptions, type WebEndpoints } from './pantry-stack.js';
export { TestTokenIssuer, type TestTokenOptions, TEST_TOKEN_ISSUER, TEST_TOKEN_AUDIENCE } from './test-tokens.js';
export {
  writeDevCertificates,
  type DevCertificates,
  type DevCertificateOptions,
  type IssueClientOptions,
} from './dev-certificates.js';
export { PROXIES, type ProxyKind, type ProxySpec } from './proxy-spec.js';
export { envoyBinary, ENVOY_VERSION } from './envoy-binary.js';
export { pantryServerBinary } from './server-binary.js';
export * from './fake/index.js';
