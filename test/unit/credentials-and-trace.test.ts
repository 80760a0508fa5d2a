import { Metadata } from '@grpc/grpc-js';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, PantryError, type CallRequest, type CallResponse } from '../../src/index.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { callTraceStage } from '../../src/pipeline/call-trace.js';
import { requestIdStage } from '../../src/pipeline/request-id.js';
import { methodInfo } from '../../src/schema/method-info.js';
import { parseAddress } from '../../src/tls/address.js';
import { clientCredentials } from '../../src/tls/credentials.js';
import { Tracer } from '../../src/observability/tracer.js';
import { IpTargetCredentials } from '../../src/tls/ip-target.js';
import { writeDevCertificates } from '../../src/testing/dev-certificates.js';
import { captureLogger, tempCerts } from '../helpers.js';

// clientCredentials (plaintext only when asked, the credentials and tls trace lines, when the
// watcher watches) and the call tracer and request_id stages of the pipeline.

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
let server: Server;
let port: number;

beforeAll(async () => {
  certs = await tempCerts();
  server = createServer({ cert: certs.serverCert, key: certs.serverKey, ALPNProtocols: ['h2'] }, (s) =>
    s.on('error', () => {}),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await certs.cleanup();
});

const tracerWith = (trace: string) => {
  const logger = captureLogger();
  return { logger, tracer: new Tracer({ trace, logger }, {}) };
};

describe('clientCredentials', () => {
  it('speaks plaintext only with insecure: true, and says so', () => {
    const { logger, tracer } = tracerWith('credentials');
    const c = clientCredentials({ insecure: true }, {}, tracer, parseAddress('h:80', 't'), undefined, 1000);
    expect(c.credentials._isSecure()).toBe(false);
    expect(c.watcher).toBeUndefined();
    expect(logger.lines).toEqual(['debug credentials | plaintext to h:80 (insecure: true)']);
    expect(() =>
      clientCredentials({ insecure: false }, {}, tracer, parseAddress('h:80', 't'), undefined, 1000),
    ).toThrow(/no CA certificate given/);
  });

  it('traces where the CA and the client certificate came from, and watches file-backed material', () => {
    const { logger, tracer } = tracerWith('credentials');
    const c = clientCredentials(
      { insecure: false, certDir: certs.dir },
      {},
      tracer,
      parseAddress('h:443', 't'),
      undefined,
      60_000,
    );
    try {
      expect(c.credentials._isSecure()).toBe(true);
      expect(c.caSource).toBe(`certDir (${join(certs.dir, 'ca.crt')})`);
      expect(logger.lines[0]).toMatch(
        new RegExp(
          `^debug credentials \\| ca from certDir \\(${join(certs.dir, 'ca.crt').replace(/[.]/g, '\\.')}\\): "CN=pantry dev CA, O=pantry" until .+ GMT$`,
        ),
      );
      expect(logger.lines[1]).toMatch(
        /^debug credentials \| client certificate from certDir \(.*client\.crt\): "CN=pantry-dev-client, O=pantry" serial [0-9A-F]+ until .+ GMT; key from certDir \(.*client\.key\)$/,
      );
      expect(logger.lines).toHaveLength(2);
    } finally {
      c.watcher?.close();
    }
  });

  it('logs material warnings, and traces nothing else without the tracer', () => {
    const { logger, tracer } = tracerWith('');
    const c = clientCredentials(
      { insecure: false, ca: certs.caCert + certs.clientCert },
      {},
      tracer,
      parseAddress('h:443', 't'),
      undefined,
      1000,
    );
    expect(logger.lines).toEqual([
      'warn credentials | ca option ca (inline PEM): ignoring certificate "CN=pantry-dev-client, O=pantry" is not a CA (basic constraints CA:FALSE or absent): it cannot sign other certificates; 1 other CA certificate in it still usable',
    ]);
    c.watcher?.close();
  });

  it('refuses watchCertificates for inline PEM', () => {
    const { tracer } = tracerWith('');
    let e: PantryError | undefined;
    try {
      clientCredentials(
        { insecure: false, ca: certs.caCert, watchCertificates: true },
        {},
        tracer,
        parseAddress('h:443', 't'),
        undefined,
        1000,
      );
    } catch (err) {
      e = err as PantryError;
    }
    expect([e?.code, e?.details, e?.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'watchCertificates: true needs ca, cert and key from files',
      'inline PEM cannot be renewed; give paths, or leave watchCertificates unset',
    ]);
    // Inline material without the option is fine (not watched).
    const c = clientCredentials(
      { insecure: false, ca: certs.caCert },
      {},
      tracer,
      parseAddress('h:443', 't'),
      undefined,
      1000,
    );
    expect(c.watcher).toBeDefined();
    c.watcher?.close();
  });

  it('probes the handshake once with the tls tracer, naming the ALPN protocol and the certificate', async () => {
    const { logger, tracer } = tracerWith('tls');
    const c = clientCredentials(
      { insecure: false, certDir: certs.dir },
      {},
      tracer,
      parseAddress(`127.0.0.1:${port}`, 't'),
      undefined,
      60_000,
    );
    const until = Date.now() + 5000;
    while (logger.lines.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    c.watcher?.close();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      new RegExp(
        `^debug tls \\| 127\\.0\\.0\\.1:${port}: TLSv1\\.[23], ALPN h2, server certificate "CN=pantry-server, O=pantry" until \\d{4}-.+Z$`,
      ),
    );
  });

  it('says when the probe fails, and stays silent once the client closed', async () => {
    const { logger, tracer } = tracerWith('tls');
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const c = clientCredentials(
      { insecure: false, certDir: certs.dir },
      {},
      tracer,
      parseAddress(`127.0.0.1:${closedPort}`, 't'),
      undefined,
      60_000,
    );
    const until = Date.now() + 5000;
    while (logger.lines.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    c.watcher?.close();
    expect(logger.lines).toEqual([
      `debug tls | probe of 127.0.0.1:${closedPort} failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    ]);

    const quiet = tracerWith('tls');
    const controller = new AbortController();
    const c2 = clientCredentials(
      { insecure: false, certDir: certs.dir },
      {},
      quiet.tracer,
      parseAddress(`127.0.0.1:${port}`, 't'),
      undefined,
      60_000,
      controller.signal,
    );
    controller.abort();
    await new Promise((r) => setTimeout(r, 200));
    c2.watcher?.close();
    expect(quiet.logger.lines).toEqual([]);
  });
});

describe('clientCredentials: the credentials of an IP target, and the probe', () => {
  const recorded: Array<{ servername: string | false }> = [];
  let connections = 0;
  let sni: Server;
  let sniPort: number;
  let noAlpn: Server;
  let noAlpnPort: number;
  let foreign: Server;
  let foreignPort: number;
  let otherCa: string;

  beforeAll(async () => {
    const listen = async (s: Server) => {
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      return (s.address() as { port: number }).port;
    };
    sni = createServer(
      {
        cert: certs.serverCert,
        key: certs.serverKey,
        ALPNProtocols: ['h2'],
        // Called with the SNI of each ClientHello that carries one.
        SNICallback: (servername, cb) => {
          recorded.push({ servername });
          cb(null, undefined);
        },
      },
      (s) => s.on('error', () => {}),
    );
    sni.on('connection', () => connections++);
    sniPort = await listen(sni);
    noAlpn = createServer({ cert: certs.serverCert, key: certs.serverKey }, (s) => s.on('error', () => {}));
    noAlpnPort = await listen(noAlpn);
    const o = await writeDevCertificates(join(certs.root, 'other'), { caName: 'other CA' });
    otherCa = o.caCert;
    foreign = createServer({ cert: o.serverCert, key: o.serverKey, ALPNProtocols: ['h2'] }, (s) =>
      s.on('error', () => {}),
    );
    foreignPort = await listen(foreign);
  });

  afterAll(async () => {
    await Promise.all([sni, noAlpn, foreign].map((s) => new Promise((r) => s.close(r))));
  });

  const make = (address: string, serverName?: string, trace = '') => {
    const { logger, tracer } = tracerWith(trace);
    const c = clientCredentials(
      { insecure: false, certDir: certs.dir },
      {},
      tracer,
      parseAddress(address, 't'),
      serverName,
      60_000,
    );
    c.watcher?.close();
    return { c, logger };
  };

  const firstLine = async (logger: { lines: string[] }) => {
    const until = Date.now() + 10_000;
    while (logger.lines.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return logger.lines;
  };

  it('uses IpTargetCredentials only for an IP address without serverName', () => {
    const ip = make('127.0.0.1:8443').c.credentials;
    expect(ip).toBeInstanceOf(IpTargetCredentials);
    expect((ip as unknown as { ip: string | undefined }).ip).toBe('127.0.0.1');
    const list = make('ipv4:127.0.0.1:8443,127.0.0.2:8443').c.credentials;
    expect(list).toBeInstanceOf(IpTargetCredentials);
    expect((list as unknown as { ip: string | undefined }).ip).toBeUndefined();
    expect(make('127.0.0.1:8443', 'pantry.example.com').c.credentials).not.toBeInstanceOf(IpTargetCredentials);
    expect(make('localhost:8443').c.credentials).not.toBeInstanceOf(IpTargetCredentials);
    expect(make('localhost:8443').c.credentials._isSecure()).toBe(true);
  });

  it('does not connect to the target without the tls tracer', async () => {
    const before = connections;
    make(`127.0.0.1:${sniPort}`, undefined, 'credentials');
    await new Promise((r) => setTimeout(r, 300));
    expect(connections).toBe(before);
  });

  it('probes with the serverName given, as SNI', async () => {
    recorded.length = 0;
    const { logger } = make(`127.0.0.1:${sniPort}`, 'localhost', 'tls');
    const lines = await firstLine(logger);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^debug tls \\| 127\\.0\\.0\\.1:${sniPort}: TLSv1\\.[23], ALPN h2, server certificate "CN=pantry-server, O=pantry" until [^,]+$`,
      ),
    );
    const until = Date.now() + 10_000;
    while (recorded.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(recorded).toEqual([{ servername: 'localhost' }]);
  });

  it('says when the server offers no ALPN protocol, and when its certificate is not trusted', async () => {
    const { logger } = make(`127.0.0.1:${noAlpnPort}`, undefined, 'tls');
    const [line] = await firstLine(logger);
    expect(line).toContain(
      `127.0.0.1:${noAlpnPort}: ${/TLSv1\.[23]/.exec(line)?.[0]}, ALPN none (Python/C++ gRPC clients will fail: missing selected ALPN property), server certificate "CN=pantry-server, O=pantry" until `,
    );
    expect(line.startsWith('debug tls | ')).toBe(true);
    expect(line).not.toContain('NOT TRUSTED');
    const untrusted = make(`127.0.0.1:${foreignPort}`, undefined, 'tls');
    const [bad] = await firstLine(untrusted.logger);
    expect(bad).toMatch(
      /, ALPN h2, server certificate "CN=pantry-server, O=pantry" until [^,]+, NOT TRUSTED: [A-Z_]+$/,
    );
  });

  it('traces every CA certificate of the bundle, separated by "; "', () => {
    const { logger, tracer } = tracerWith('credentials');
    const c = clientCredentials(
      { insecure: false, ca: certs.caCert + otherCa },
      {},
      tracer,
      parseAddress('h:443', 't'),
      undefined,
      1000,
    );
    c.watcher?.close();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^debug credentials \| ca from option ca \(inline PEM\): "CN=pantry dev CA, O=pantry" until [^;]+ GMT; "CN=other CA, O=pantry" until [^;]+ GMT$/,
    );
  });
});

describe('call tracer stage', () => {
  const getFood = methodInfo(S, S.methods.getFood);
  const watch = methodInfo(S, S.methods.watchExpiringFoods);
  const req = (over: Partial<CallRequest> = {}): CallRequest =>
    ({
      kind: 'unary',
      method: getFood,
      message: {},
      metadata: new Metadata(),
      deadline: Infinity,
      options: {},
      attempt: 2,
      startedAt: Date.now(),
      ...over,
    }) as CallRequest;

  it('traces start and status of each attempt, with the metadata redacted', async () => {
    const { logger, tracer } = tracerWith('call');
    const md = new Metadata();
    md.set('authorization', 'Bearer secret-token');
    md.set('x-source', 'kitchen');
    md.set('x-tenant', 'acme');
    await callTraceStage(tracer, ['x-tenant'])(async () => ({ kind: 'unary', message: {} }) as CallResponse)(
      req({ metadata: md, deadline: Date.now() + 5000 }),
    );
    expect(logger.lines[0]).toMatch(
      /^debug call \| \/pantry\.v1\.FoodStorageService\/GetFood attempt=2 deadline_in=(49\d\d|5000)ms start metadata: /,
    );
    expect(logger.lines[0]).toContain('x-source=kitchen');
    expect(logger.lines[0]).toContain('authorization=[redacted]');
    expect(logger.lines[0]).toContain('x-tenant=[redacted]');
    expect(logger.lines[0]).not.toContain('secret-token');
    expect(logger.lines[0]).not.toContain('acme');
    expect(logger.lines[1]).toMatch(
      /^debug call \| .*GetFood attempt=2 deadline_in=\d+ms status=OK latency=\d+\.\dms$/,
    );
  });

  it('traces a stream that opened, and failures by code or by what was thrown', async () => {
    const { logger, tracer } = tracerWith('call');
    const stream = {
      kind: 'server_streaming',
      stream: (async function* () {})(),
      header: new Metadata(),
    } as CallResponse;
    await callTraceStage(tracer)(async () => stream)(req({ kind: 'server_streaming', method: watch }));
    expect(logger.lines[0]).toBe(
      'debug call | /pantry.v1.FoodStorageService/WatchExpiringFoods attempt=2 deadline_in=none start',
    );
    expect(logger.lines[1]).toMatch(/status=OK latency=\d+\.\dms \(stream open\)$/);
    // The latency is the attempt's own duration (here well under a second), not a clock reading.
    for (const line of logger.lines.filter((l) => l.includes('latency=')))
      expect(Number(/latency=(\d+\.\d)ms/.exec(line)![1])).toBeLessThan(1000);
    const failure = new PantryError({ code: Code.NOT_FOUND, details: 'no food' });
    await expect(callTraceStage(tracer)(async () => Promise.reject(failure))(req())).rejects.toBe(failure);
    expect(logger.lines[3]).toMatch(/ status=NOT_FOUND details="no food" latency=\d+\.\dms$/);
    const odd = new RangeError('odd');
    await expect(callTraceStage(tracer)(async () => Promise.reject(odd))(req())).rejects.toBe(odd);
    expect(logger.lines[5]).toMatch(/ status=RangeError: odd latency=\d+\.\dms$/);
  });
});

describe('request_id stage', () => {
  const addFood = methodInfo(S, S.methods.addFood);
  const getFood = methodInfo(S, S.methods.getFood);
  const run = async (method: typeof addFood, message: object) => {
    let seen: unknown;
    const req = {
      kind: 'unary',
      method,
      message,
      metadata: new Metadata(),
      deadline: Infinity,
      options: {},
      attempt: 0,
      startedAt: 0,
    } as CallRequest;
    await requestIdStage()(async (r) => {
      seen = r.message;
      return { kind: 'unary', message: {} };
    })(req);
    return { seen, req };
  };

  it('fills in an empty request_id with a UUID, without changing the request it was given', async () => {
    const { seen, req } = await run(addFood, { food: { name: 'rice' }, requestId: '' });
    expect((seen as { requestId: string }).requestId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect((seen as { food: unknown }).food).toEqual({ name: 'rice' });
    expect((req.message as { requestId: string }).requestId).toBe('');
  });

  it('keeps a given request_id, and leaves methods without one alone', async () => {
    expect((await run(addFood, { requestId: 'mine' })).seen).toEqual({ requestId: 'mine' });
    const plain = { id: 'food-1' };
    const { seen } = await run(getFood, plain);
    expect(seen).toBe(plain);
  });
});
