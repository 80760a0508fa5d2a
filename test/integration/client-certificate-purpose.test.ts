import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, PantryError } from '../../src/index.js';
import { toPantryError } from '../../src/errors/grpc-status.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { tempCerts } from '../helpers.js';
import { needs } from '../requirements.js';

// A client certificate from the right CA but without the clientAuth extended key usage: Go
// (direct mutual TLS), Envoy and HAProxy refuse it with their own alerts. The hint must name the
// purpose, not an unknown CA, and createClient must refuse such a certificate before connecting.
const peers = [
  'none',
  'envoy',
  ...(needs('haproxy', 'client-certificate-purpose') ? (['haproxy'] as const) : []),
] as const;
type Peer = (typeof peers)[number];
/** What each peer says: Go bad certificate (42); Envoy and HAProxy unsupported certificate (43). */
const REFUSAL: Record<Peer, RegExp> = {
  none: /bad certificate:.*SSL alert number 42/,
  envoy: /unsupported certificate:.*SSL alert number 43/,
  haproxy: /unsupported certificate:.*SSL alert number 43/,
};
let certs: Awaited<ReturnType<typeof tempCerts>>;
const stacks: Partial<Record<Peer, PantryStack>> = {};
let serverOnly: string;

beforeAll(async () => {
  certs = await tempCerts();
  serverOnly = join(certs.root, 'server-only');
  await certs.issueClient(serverOnly, { extendedKeyUsage: 'serverAuth' });
  await Promise.all(
    peers.map(
      async (proxy) => (stacks[proxy] = await startPantryStack({ runtime: 'process', proxy, certDir: certs.dir })),
    ),
  );
});

afterAll(async () => {
  await Promise.all(Object.values(stacks).map((s) => s?.stop()));
  await certs?.cleanup();
});

/** One Hello through raw grpc-js with the given client certificate (createClient would refuse it). */
async function rawHello(address: string, certFile: string, keyFile: string): Promise<ServiceError> {
  const [ca, cert, key] = await Promise.all([
    readFile(join(certs.dir, 'ca.crt')),
    readFile(certFile),
    readFile(keyFile),
  ]);
  const client = new Client(address, credentials.createSsl(ca, key, cert), {
    'grpc.service_config_disable_resolution': 1,
  });
  try {
    return await new Promise<ServiceError>((resolve, reject) =>
      client.makeUnaryRequest(
        '/hello.v1.HelloService/Hello',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (err) =>
          err ? resolve(err) : reject(new Error('the server accepted a client certificate without clientAuth')),
      ),
    );
  } finally {
    client.close();
  }
}

describe.each(peers)('a client certificate without clientAuth (proxy: %s)', (proxy) => {
  it('is refused by the peer, and the hint names the extended key usage', async () => {
    const err = await rawHello(stacks[proxy]!.address, join(serverOnly, 'client.crt'), join(serverOnly, 'client.key'));
    const e = toPantryError(err, '/hello.v1.HelloService/Hello', { address: stacks[proxy]!.address, insecure: false });
    expect(e.details).toMatch(REFUSAL[proxy]);
    expect(e.hint).toMatch(/clientAuth/);
    expect(e.hint).not.toMatch(/not signed by a CA/);
  });

  it('is refused by createClient before connecting', () => {
    let error: unknown;
    try {
      createClient({
        address: stacks[proxy]!.address,
        ca: join(certs.dir, 'ca.crt'),
        cert: join(serverOnly, 'client.crt'),
        key: join(serverOnly, 'client.key'),
      }).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PantryError);
    expect((error as PantryError).message).toMatch(
      /option cert .*server-only.*client\.crt.* is not for client authentication: its extended key usage is serverAuth/,
    );
  });

  it('still works with a chain through an intermediate CA (no false warning, the peer accepts it)', async () => {
    const dir = join(certs.root, `chain-${proxy}`);
    await certs.issueClient(dir, { viaIntermediate: true });
    const lines: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    await using client = createClient({
      address: stacks[proxy]!.address,
      ca: join(certs.dir, 'ca.crt'),
      cert: join(dir, 'client.crt'),
      key: join(dir, 'client.key'),
      logger,
    });
    expect((await client.hello.hello({ name: 'chain' })).message).toBe('Hello, chain!');
    expect(lines).toEqual([]);
  });
});
