import { credentials as grpcCredentials, type ChannelOptions } from '@grpc/grpc-js';
import {
  connect as netConnect,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpTargetCredentials } from '../../src/tls/ip-target.js';
import { loadTlsMaterial, type TlsMaterial } from '../../src/tls/material.js';
import { tempCerts } from '../helpers.js';

// IpTargetCredentials against local servers on 127.0.0.1: no SNI, ALPN h2, the IP SAN checked
// against the address given (or reached), the secure context reused while the material is the
// same, and the errors of material that does not load and of a socket that closes mid-handshake.

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
// Loaded inside each test, not in beforeAll: Stryker counts code run in a hook as static.
const material = (): TlsMaterial => loadTlsMaterial({ certDir: certs.dir }, {}).material;
const servers: Array<Server | NetServer> = [];
const sockets: Socket[] = [];
/** What the h2 server saw of each client: the SNI it sent and the ALPN protocol agreed. */
const seen: Array<{ servername: string | false | null; alpn: string | false | null }> = [];

async function listen<S extends Server | NetServer>(server: S): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

let h2: number; // server certificate for localhost and 127.0.0.1, requires a client certificate
let closer: number; // accepts TCP and closes it at once, without a TLS word

beforeAll(async () => {
  certs = await tempCerts();
  h2 = await listen(
    createServer(
      {
        cert: certs.serverCert,
        key: certs.serverKey,
        ca: certs.caCert,
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (s: TLSSocket) => {
        seen.push({ servername: s.servername, alpn: s.alpnProtocol });
        s.on('error', () => {});
      },
    ),
  );
  closer = await listen(createNetServer((s) => s.end()));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await certs.cleanup();
});

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    sockets.push(s);
  });
}

async function dial(creds: IpTargetCredentials, port: number) {
  const connector = creds._createSecureConnector(undefined, {} as ChannelOptions);
  const result = await connector.connect(await tcp(port));
  sockets.push(result.socket as Socket);
  return result;
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('IpTargetCredentials', () => {
  it('is secure, and equal only to itself', () => {
    const m = material();
    const creds = new IpTargetCredentials('127.0.0.1', () => m);
    expect(creds._isSecure()).toBe(true);
    expect(creds._equals(creds)).toBe(true);
    expect(creds._equals(new IpTargetCredentials('127.0.0.1', () => m))).toBe(false);
    expect(creds._equals(grpcCredentials.createInsecure())).toBe(false);
  });

  it('connects without SNI, offers h2, and verifies the IP SAN of the address given', async () => {
    const m = material();
    seen.length = 0;
    const r = await dial(new IpTargetCredentials('127.0.0.1', () => m), h2);
    const socket = r.socket as TLSSocket;
    expect(r.secure).toBe(true);
    expect([socket.authorized, socket.alpnProtocol]).toEqual([true, 'h2']);
    expect(socket.getPeerCertificate().subject.CN).toBe('pantry-server');
    // Once the handshake is done, the promise's own listeners are gone.
    expect(socket.listeners('close').some((l) => l.name === 'onClose')).toBe(false);
    expect(socket.listeners('error')).toEqual([]);
    const until = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ servername: false, alpn: 'h2' }]);
  });

  it('without an ip, checks the address the socket reached', async () => {
    const m = material();
    const r = await dial(new IpTargetCredentials(undefined, () => m), h2);
    expect([r.secure, (r.socket as TLSSocket).authorized]).toEqual([true, true]);
  });

  it('refuses a server certificate that does not name the IP address', async () => {
    const m = material();
    const err = await failure(dial(new IpTargetCredentials('127.0.0.2', () => m), h2));
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err.message).toBe(
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1",
    );
  });

  it('refuses a server certificate from another CA (the CA of the material is used)', async () => {
    const m = material();
    const other = { ...m, ca: Buffer.from(certs.serverCert) } as TlsMaterial;
    Object.defineProperty(other, 'key', { value: m.key });
    const err = await failure(dial(new IpTargetCredentials('127.0.0.1', () => other), h2));
    expect(err.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('reuses the secure context while the material is the same object, and rebuilds it for new material', async () => {
    const m = material();
    const same = { ca: m.ca, cert: m.cert, key: m.key } as TlsMaterial;
    const creds = new IpTargetCredentials('127.0.0.1', () => same);
    expect((await dial(creds, h2)).secure).toBe(true);
    // A damaged key in the same object: the context built from the good one is still used.
    same.key = Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect((await dial(creds, h2)).secure).toBe(true);
    // A new object with that key: the context is rebuilt, and fails.
    const fresh = { ca: m.ca, cert: m.cert, key: same.key } as TlsMaterial;
    const err = await failure(dial(new IpTargetCredentials('127.0.0.1', () => fresh), h2));
    expect(err.message).toBe('Failed to load credentials');
  });

  it('rejects with "Failed to load credentials" when the material cannot be read, naming nothing of it', async () => {
    const creds = new IpTargetCredentials('127.0.0.1', () => {
      throw new Error('ca.crt vanished');
    });
    const socket = await tcp(h2);
    const err = await failure(creds._createSecureConnector(undefined, {} as ChannelOptions).connect(socket));
    expect(err.message).toBe('Failed to load credentials');
  });

  it('rejects when the server closes the connection during the handshake', async () => {
    const m = material();
    const err = await failure(dial(new IpTargetCredentials('127.0.0.1', () => m), closer));
    expect([err.message, err.code]).toEqual([
      'Client network socket disconnected before secure TLS connection was established',
      'ECONNRESET',
    ]);
  });

  it('rejects with "Socket closed" when the socket closes without an error', async () => {
    const m = material();
    const socket = await tcp(silentPort);
    const p = new IpTargetCredentials('127.0.0.1', () => m)
      ._createSecureConnector(undefined, {} as ChannelOptions)
      .connect(socket);
    socket.destroy();
    const err = await failure(p);
    expect(err.message).toBe('Socket closed');
  });
});

let silentPort = 0;
beforeAll(async () => {
  silentPort = await listen(createNetServer(() => {}));
});
