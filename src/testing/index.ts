/**
 * `@pantry/client/testing`: the integration harness. It starts the Go reference server behind
 * a TLS proxy that requires client certificates (HAProxy, or Envoy where its image can be had),
 * in containers through testcontainers or as local processes, with dev certificates.
 *
 * Needs the optional peer dependencies `testcontainers` (docker runtime), `@peculiar/x509` and
 * `reflect-metadata` (dev certificates).
 *
 * @example
 * import { startPantryStack } from '@pantry/client/testing';
 * import { createClient } from '@pantry/client';
 * const stack = await startPantryStack();
 * const client = createClient(stack.address, stack.certDir);
 * await client.hello.hello({ name: 'test' });
 * client.close(); await stack.stop();
 *
 * @packageDocumentation
 */
export { startPantryStack, type PantryStack, type PantryStackOptions } from './pantry-stack.js';
export { writeDevCertificates, type DevCertificates, type DevCertificateOptions, type IssueClientOptions } from './dev-certificates.js';
export { PROXIES, ENVOY_IMAGE, type ProxyKind, type ProxySpec } from './proxy-spec.js';
export { pantryServerBinary } from './server-binary.js';
