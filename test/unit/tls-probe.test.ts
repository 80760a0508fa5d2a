import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/tls/address.js';
import { checkTls } from '../../src/tls/check.js';
import { loadTlsMaterial, type TlsMaterial } from '../../src/tls/material.js';
import { probeTls, sniName, tlsConnectOptions } from '../../src/tls/probe.js';
import { writeDevCertificates } from '../../src/testing/dev-certificates.js';
import { tempCerts } from '../helpers.js';

// The TLS probe and check against local node:tls servers: what a good handshake reports (version,
// ALPN, the server certificate), why a certificate does not verify, a client certificate the
// server rejects after the handshake, a silent peer, an abort, and a closed port.

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
// Loaded inside each test, not in beforeAll: Stryker counts code run in a hook as static, and
// runs every test for a static mutant.
const material = (): TlsMaterial => loadTlsMaterial({ certDir: certs.dir }, {}).material;
const servers: Array<Server | NetServer> = [];
const sockets: Socket[] = [];

async function listen<S extends Server | NetServer>(server: S): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

let h2: number; // offers h2, requires a client certificate from the CA, answers any bytes
let http1: number; // offers only http/1.1
let other: number; // a server certificate from another CA
let picky: number; // rejects every client certificate after the handshake (TLS 1.3)
let closing: number; // closes after the handshake without a word
let silent: number; // accepts TCP, never answers
let quiet: number; // completes the handshake, then never answers
let strict: number; // answers only the exact HTTP/2 preface and SETTINGS over ALPN h2; closes on anything else
let resetting: number; // resets the connection (RST, no TLS alert, no FIN) when the client writes

beforeAll(async () => {
  certs = await tempCerts();
  const base = {
    cert: certs.serverCert,
    key: certs.serverKey,
    ca: certs.caCert,
    requestCert: true,
    rejectUnauthorized: true,
  };
  h2 = await listen(
    createServer({ ...base, ALPNProtocols: ['h2'] }, (s: TLSSocket) => {
      s.on('data', () => s.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])));
      s.on('error', () => {});
    }),
  );
  http1 = await listen(createServer({ ...base, ALPNProtocols: ['http/1.1'] }, (s) => s.on('error', () => {})));
  const o = await writeDevCertificates(`${certs.root}/other`, { caName: 'other CA' });
  other = await listen(createServer({ ...base, cert: o.serverCert, key: o.serverKey }, (s) => s.on('error', () => {})));
  picky = await listen(
    createServer({ ...base, ca: o.caCert, minVersion: 'TLSv1.3', ALPNProtocols: ['h2'] }, (s) =>
      s.on('error', () => {}),
    ),
  );
  closing = await listen(
    createServer({ ...base, ALPNProtocols: ['h2'] }, (s) => {
      s.on('error', () => {});
      s.end();
    }),
  );
  silent = await listen(createNetServer(() => {}));
  quiet = await listen(createServer({ ...base, ALPNProtocols: ['h2'] }, (s) => s.on('error', () => {})));
  const preface = Buffer.concat([
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
  ]);
  strict = await listen(
    createServer({ ...base, ALPNProtocols: ['h2'] }, (s: TLSSocket) => {
      s.on('error', () => {});
      if (s.alpnProtocol !== 'h2') {
        s.end();
        return;
      }
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const n = Math.min(got.length, preface.length);
        if (!got.subarray(0, n).equals(preface.subarray(0, n))) s.end();
        else if (got.length >= preface.length) s.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      });
    }),
  );
  resetting = await listen(
    createServer({ ...base, ALPNProtocols: ['h2'] }, (s: TLSSocket) => {
      s.on('error', () => {});
      // The TCP socket under the TLS one: resetting it sends RST.
      s.on('data', () => (s as unknown as { _parent: Socket })._parent.resetAndDestroy());
    }),
  );
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await certs.cleanup();
});

const at = (port: number, host = '127.0.0.1') => parseAddress(`${host}:${port}`, 'test');

describe('probeTls', () => {
  it('reports TLS version, ALPN and the server certificate of a good handshake', async () => {
    const r = await probeTls(at(h2), material());
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.alpn).toBe('h2');
    expect(r.serverCertificate?.subject).toBe('CN=pantry-server, O=pantry');
    expect(r.serverCertificate?.issuer).toBe('CN=pantry dev CA, O=pantry');
    expect(r.serverCertificate?.validTo).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(r.serverCertificate?.subjectAltName).toContain('DNS:localhost');
    expect(r.authorizationError).toBeUndefined();
    expect(r.elapsedMs).toBeGreaterThan(0);
    expect(r.elapsedMs).toBeLessThan(5000);
  });

  it('says false for no ALPN protocol, and names why a certificate does not verify', async () => {
    const r1 = await probeTls(at(http1), material());
    expect([r1.ok, r1.alpn]).toEqual([true, 'http/1.1']);
    const untrusted = await probeTls(at(other), material());
    expect(untrusted.ok).toBe(false);
    expect(untrusted.authorizationError).toMatch(
      /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
    const wrongName = await probeTls(at(h2), material(), { serverName: 'pantry.example.com' });
    expect([wrongName.ok, wrongName.authorizationError]).toEqual([false, 'ERR_TLS_CERT_ALTNAME_INVALID']);
    expect((await probeTls(at(h2, 'localhost'), material())).ok).toBe(true);
  });

  it('reports a closed port, a silent peer (timeout) and an abort', async () => {
    const closedPort = await listen(createNetServer());
    await new Promise((r) => servers.pop()!.close(r));
    const refused = await probeTls(at(closedPort), material());
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/^ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const timeout = await probeTls(at(silent), material(), { timeoutMs: 100 });
    expect([timeout.ok, timeout.error]).toEqual([false, 'no TLS handshake within 100 ms']);
    expect(timeout.elapsedMs).toBeGreaterThanOrEqual(90);
    expect(timeout.elapsedMs).toBeLessThan(5000); // in ms, rounded to a tenth
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const t0 = Date.now();
    const aborted = await probeTls(at(silent), material(), { signal: controller.signal });
    expect([aborted.ok, aborted.error]).toEqual([false, 'aborted']);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await probeTls(at(silent), material(), { signal: AbortSignal.abort() })).toEqual({
      ok: false,
      error: 'aborted',
      elapsedMs: 0,
    });
  });

  it('keeps the first verification error rather than the name check, and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const r = await probeTls(at(other), material(), { serverName: 'pantry.example.com', signal: controller.signal });
    expect([r.ok, r.authorizationError]).toEqual([false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  it('sends a name as SNI, never an IP address', () => {
    expect(sniName(at(1))).toBeUndefined();
    expect(sniName(at(1), 'pantry.example.com')).toBe('pantry.example.com');
    expect(sniName(at(1, 'localhost'))).toBe('localhost');
    const m = material();
    expect(tlsConnectOptions(at(8443, 'localhost'), m, 'localhost', ['h2'])).toEqual({
      host: 'localhost',
      port: 8443,
      ca: m.ca,
      cert: m.cert,
      key: m.key,
      servername: 'localhost',
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
    });
  });
});

describe('checkTls', () => {
  it('sees the server answer after the handshake: the client certificate was accepted', async () => {
    const r = await checkTls(at(h2), material(), { timeoutMs: 3000 });
    expect([r.ok, r.clientCertificateAccepted, r.rejection]).toEqual([true, true, undefined]);
  });

  it('names the alert of a server that rejects the client certificate after the handshake', async () => {
    const r = await checkTls(at(picky), material(), { timeoutMs: 3000 });
    expect(r.clientCertificateAccepted).toBe(false);
    // Node's server sends the alert and closes; which of the two the client reads first varies.
    expect(r.rejection).toMatch(/alert|certificate|ECONNRESET|the server closed the connection without answering/i);
  });

  it('reads a close without an answer as a rejection, and silence as acceptance', async () => {
    const closed = await checkTls(at(closing), material(), { timeoutMs: 3000 });
    expect([closed.clientCertificateAccepted, closed.rejection]).toEqual([
      false,
      'the server closed the connection without answering',
    ]);
    const t0 = Date.now();
    const silence = await checkTls(at(quiet), material(), { timeoutMs: 150 });
    expect([silence.clientCertificateAccepted, silence.rejection]).toEqual([true, undefined]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('sends the exact HTTP/2 preface and SETTINGS over ALPN h2, and reads the answer as acceptance', async () => {
    // The strict server closes on any other bytes or protocol, and a missing preface would leave the
    // check waiting for its (long) timeout: either way the result differs.
    const r = await checkTls(at(strict), material(), { timeoutMs: 50_000 });
    expect([r.ok, r.clientCertificateAccepted, r.rejection]).toEqual([true, true, undefined]);
  }, 20_000);

  it('names the error of a connection reset after the handshake', async () => {
    const r = await checkTls(at(resetting), material(), { timeoutMs: 50_000 });
    expect([r.ok, r.clientCertificateAccepted, r.rejection]).toEqual([true, false, 'read ECONNRESET']);
  }, 20_000);

  it('waits the timeout given, not the 3 s default', async () => {
    const t0 = Date.now();
    const silence = await checkTls(at(quiet), material(), { timeoutMs: 20 });
    expect([silence.clientCertificateAccepted, silence.rejection]).toEqual([true, undefined]);
    expect(Date.now() - t0).toBeLessThan(2900);
  });

  it('returns the probe as it is when the handshake failed', async () => {
    const r = await checkTls(at(silent), material(), { timeoutMs: 100 });
    expect(r.error).toBe('no TLS handshake within 100 ms');
    expect('clientCertificateAccepted' in r).toBe(false);
  });
});
