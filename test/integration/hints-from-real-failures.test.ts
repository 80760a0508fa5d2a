import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, type PantryError } from '../../src/index.js';
import { tempCerts } from '../helpers.js';

// Hints checked against failures produced for real, not typed strings: a TLS listener that offers
// only http/1.1 through ALPN (the alert a gRPC client gets from such a proxy), and a name that
// cannot resolve. Envoy's and HAProxy's texts are produced in harness.test.ts and doctor.test.ts.
let certs: Awaited<ReturnType<typeof tempCerts>>;
let http1Only: Server;
let port: number;

beforeAll(async () => {
  certs = await tempCerts();
  const read = (f: string) => readFile(join(certs.dir, f));
  http1Only = createServer({
    cert: await read('server.crt'),
    key: await read('server.key'),
    ca: await read('ca.crt'),
    requestCert: true,
    ALPNProtocols: ['http/1.1'],
  });
  http1Only.on('secureConnection', (s) => s.end());
  await new Promise<void>((r) => http1Only.listen(0, '127.0.0.1', r));
  port = (http1Only.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => http1Only?.close(r));
  await certs?.cleanup();
});

describe('hints from real failures', () => {
  it('a listener without h2 in ALPN: alert 120, and the hint gives the ALPN lines', async () => {
    await using client = createClient(`localhost:${port}`, certs.dir, { retry: false });
    const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.details).toMatch(/no application protocol.*SSL alert number 120/);
    expect(err.hint).toMatch(/does not offer HTTP\/2 through ALPN.*alpn_protocols: \["h2", "http\/1\.1"\]/);
  });

  it('a host name that does not resolve', async () => {
    await using client = createClient('pantry.invalid:443', certs.dir, { retry: false, deadlineMs: 5_000 });
    const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.details).toMatch(/Name resolution failed for target dns:pantry\.invalid:443|ENOTFOUND pantry\.invalid/);
    expect(err.hint).toMatch(/the host of pantry\.invalid:443 does not resolve/);
  });
});
