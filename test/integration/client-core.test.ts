import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, type Metadata, PantryError, type Interceptor } from '../../src/index.js';
import { startPantryStack, writeDevCertificates, type PantryStack } from '../../src/testing/index.js';
import { freePort } from '../../src/testing/ports.js';
import { captureLogger, leaksKey, tempCerts } from '../helpers.js';

// The client core against the real Go server behind Envoy with mutual TLS, faults injected by request metadata.
let stack: PantryStack;
let certs: Awaited<ReturnType<typeof tempCerts>>;
const fault = (m: Record<string, string>) => ({
  metadata: Object.fromEntries(Object.entries(m).map(([k, v]) => [`pantry-fault-${k}`, v])),
});
const key = () => `k-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  certs = await tempCerts();
  stack = await startPantryStack({ runtime: 'process', faultInjection: true, certDir: certs.dir });
});
afterAll(async () => {
  await stack?.stop();
  await certs?.cleanup();
});

describe('safe retries against the real server', () => {
  it('retries an AddFood whose response was lost: the server sees it twice and stores it once', async () => {
    const headers: Metadata[] = [];
    await using client = createClient(stack.address, stack.certDir);
    const name = `lost-response-${key()}`;
    const { food } = await client.foodStorage.addFood(
      { food: { name, quantity: 1 } },
      { ...fault({ code: 'UNAVAILABLE', after: 'true', times: '1', key: key() }), onHeader: (h) => headers.push(h) },
    );
    expect(headers[0].get('pantry-attempt')).toEqual(['2']);
    expect(headers[0].get('pantry-replayed')).toEqual(['true']);
    const stored = (await client.foodStorage.listFoods({ pageSize: 1000 })).foods.filter((f) => f.name === name);
    expect(stored).toEqual([food]);
  });

  it('retries a ConsumeFood whose response was lost and takes the units out once', async () => {
    await using client = createClient(stack.address, stack.certDir);
    const { food } = await client.foodStorage.addFood({ food: { name: 'consume-once', quantity: 5 } });
    const { food: after } = await client.foodStorage.consumeFood(
      { id: food!.id, quantity: 2 },
      fault({ code: 'UNAVAILABLE', after: 'true', times: '1', key: key() }),
    );
    expect(after!.quantity).toBe(3);
    expect((await client.foodStorage.getFood({ id: food!.id })).food!.quantity).toBe(3);
  });

  it("retries RESOURCE_EXHAUSTED after the server's pushback", async () => {
    await using client = createClient(stack.address, stack.certDir);
    const t0 = performance.now();
    expect(
      await client.hello.hello(
        { name: 'pushback' },
        fault({ code: 'RESOURCE_EXHAUSTED', 'pushback-ms': '150', times: '1', key: key() }),
      ),
    ).toEqual({ message: 'Hello, pushback!' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('retries a stream that fails before its first message, and ends one that fails midway with a PantryError', async () => {
    await using client = createClient(stack.address, stack.certDir);
    for (let i = 0; i < 3; i++)
      await client.foodStorage.addFood({
        food: {
          name: `stream-${i}`,
          quantity: 1,
          bestBefore: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
        },
      });
    const first: string[] = [];
    for await (const m of client.foodStorage.watchExpiringFoods(
      { withinDays: 2 },
      fault({ code: 'UNAVAILABLE', times: '1', key: key() }),
    ))
      first.push(m.food!.name);
    expect(first.length).toBeGreaterThanOrEqual(3);
    const got: string[] = [];
    const err = await (async () => {
      for await (const m of client.foodStorage.watchExpiringFoods(
        { withinDays: 2, follow: true },
        fault({ code: 'UNAVAILABLE', 'stream-after': '2' }),
      ))
        got.push(m.food!.name);
    })().catch((e) => e);
    expect(got).toHaveLength(2);
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.UNAVAILABLE);
  });

  it('bounds attempts with the retry throttle while nothing answers', async () => {
    const port = await freePort(); // nothing listens here
    await using client = createClient(`127.0.0.1:${port}`, stack.certDir, {
      retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    let attempts = 0;
    let last: PantryError | undefined;
    for (let i = 0; i < 40; i++) {
      last = await client.hello.hello({}).catch((e) => e);
      attempts += last!.attempts;
    }
    expect(last!.code).toBe(Code.UNAVAILABLE);
    expect(last!.hint).toMatch(/nothing accepts connections at 127\.0\.0\.1:/);
    expect(attempts).toBeLessThanOrEqual(40 * 1.1 + 5);
    expect(attempts).toBeGreaterThan(40); // the first calls did retry
  });
});

describe('deadlines and cancellation', () => {
  it('fails a slow call at its deadline, not when the server answers, saying the budget', async () => {
    await using client = createClient(stack.address, stack.certDir);
    await client.hello.hello({}); // connected: measure the deadline, not the handshake
    const t0 = performance.now();
    const err = await client.hello.hello({}, { deadlineMs: 300, ...fault({ 'delay-ms': '5000' }) }).catch((e) => e);
    const elapsed = performance.now() - t0;
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1_300); // slack for a loaded 2-core machine; the server answers after 5 s
    expect(err.message).toMatch(/deadline of 300 ms \(1 attempt/);
  });

  it('keeps retries inside one deadline', async () => {
    await using client = createClient(stack.address, stack.certDir, {
      retry: { maxAttempts: 10, initialBackoffMs: 50, maxBackoffMs: 100 },
    });
    await client.hello.hello({});
    const t0 = performance.now();
    const err = await client.hello
      .hello({}, { deadlineMs: 400, ...fault({ code: 'UNAVAILABLE', 'delay-ms': '150' }) })
      .catch((e) => e);
    // 400 ms plus slack for a loaded 2-core machine; ten attempts past the deadline would take over 2 s.
    expect(performance.now() - t0).toBeLessThan(1_200);
    expect(err.attempts).toBeGreaterThan(1);
    expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]).toContain(err.code);
  });

  it('cancels an attempt in flight at once when the signal aborts', async () => {
    await using client = createClient(stack.address, stack.certDir);
    await client.hello.hello({});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    const err = await client.hello
      .hello({}, { signal: controller.signal, ...fault({ 'delay-ms': '3000' }) })
      .catch((e) => e);
    expect(err.code).toBe(Code.CANCELLED);
    expect(performance.now() - t0).toBeLessThan(1_500); // the server would answer after 3 s
  });
});

describe('hints from real failures', () => {
  it('says the server certificate is from another CA', async () => {
    const other = await tempCerts();
    await using client = createClient({
      address: stack.address,
      ca: join(other.dir, 'ca.crt'),
      cert: join(stack.certDir, 'client.crt'),
      key: join(stack.certDir, 'client.key'),
      retry: false,
      logger: captureLogger(),
    });
    const err = await client.hello.hello({}).catch((e) => e);
    await other.cleanup();
    expect(err.details).toMatch(/unable to verify the first certificate|self-signed|unable to get local issuer/);
    expect(err.hint).toMatch(/not signed by the CA this client trusts \(option ca/);
  });

  it('says the proxy rejected a client certificate from an unknown CA', async () => {
    const other = await tempCerts();
    await using client = createClient({
      address: stack.address,
      ca: join(stack.certDir, 'ca.crt'),
      cert: join(other.dir, 'client.crt'),
      key: join(other.dir, 'client.key'),
      retry: false,
      logger: captureLogger(),
    });
    const err = await client.hello.hello({}).catch((e) => e);
    await other.cleanup();
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.hint).toMatch(/rejected the client certificate/);
  });

  it('suggests serverName for an IP missing from the certificate, and serverName fixes it', async () => {
    const dir = join(certs.root, 'dns-only');
    await writeDevCertificates(dir, { serverNames: ['localhost'] });
    await using dnsOnly = await startPantryStack({ runtime: 'process', certDir: dir });
    await using bare = createClient(dnsOnly.address, dir, { retry: false });
    const err = await bare.hello.hello({}).catch((e) => e);
    expect(err.hint).toMatch(/set serverName/);
    await using named = createClient(dnsOnly.address, dir, { serverName: 'localhost' });
    expect((await named.hello.hello({ name: 'sni' })).message).toBe('Hello, sni!');
  });

  it('says TLS was spoken to a plaintext port', async () => {
    await using client = createClient(stack.serverAddress, stack.certDir, { retry: false });
    const err = await client.hello.hello({}).catch((e) => e);
    expect(err.hint).toMatch(/answers in plaintext/);
  });

  it('says plaintext was spoken to a TLS port', async () => {
    await using client = createClient({ address: stack.address, insecure: true, retry: false });
    const err = await client.hello.hello({}).catch((e) => e);
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.hint).toMatch(/does not answer plaintext HTTP\/2; if it is a TLS port/);
  });
});

describe('certificate rotation', () => {
  it('picks up renewed files for new connections without a restart', async () => {
    const other = await tempCerts();
    const dir = join(certs.root, 'rotating');
    await mkdir(dir, { recursive: true });
    await copyFile(join(stack.certDir, 'ca.crt'), join(dir, 'ca.crt'));
    // Start with a client certificate the proxy does not trust.
    await copyFile(join(other.dir, 'client.crt'), join(dir, 'client.crt'));
    await copyFile(join(other.dir, 'client.key'), join(dir, 'client.key'));
    const logger = captureLogger();
    await using client = createClient(stack.address, dir, { certificateRefreshMs: 100, retry: false, logger });
    expect((await client.hello.hello({}).catch((e) => e)).hint).toMatch(/rejected the client certificate/);

    // Renew in place, key first: for a moment key and certificate do not match, and the watcher must wait.
    await writeFile(join(dir, 'client.key'), await readFile(join(stack.certDir, 'client.key')));
    await new Promise((r) => setTimeout(r, 250));
    await writeFile(join(dir, 'client.crt'), await readFile(join(stack.certDir, 'client.crt')));

    let message: string | undefined;
    const until = Date.now() + 10_000;
    while (!message && Date.now() < until) {
      message = await client.hello.hello({ name: 'renewed' }).then(
        (r) => r.message,
        () => undefined,
      );
      if (!message) await new Promise((r) => setTimeout(r, 100));
    }
    await other.cleanup();
    expect(message).toBe('Hello, renewed!');
    const log = logger.lines.join('\n');
    expect(log).toMatch(/renewed certificate files are not usable yet, keeping the current ones: .*does not match/);
    expect(log).toMatch(/reloaded certificates: client "CN=pantry-dev-client/);
    expect(leaksKey(log, await readFile(join(stack.certDir, 'client.key'), 'utf8'))).toBe(false);
  });
});

describe('tracing', () => {
  it('traces credentials, TLS, calls and retries, with secrets redacted and no key material', async () => {
    const logger = captureLogger();
    const auth: Interceptor = (next) => (req) => {
      req.metadata.set('authorization', 'Bearer super-secret-token');
      return next(req);
    };
    await using client = createClient(stack.address, stack.certDir, { trace: 'all', logger, interceptors: [auth] });
    await client.hello.hello({ name: 'trace' }, fault({ code: 'UNAVAILABLE', times: '1', key: key() }));
    await new Promise((r) => setTimeout(r, 200)); // the TLS probe line arrives on its own
    const log = logger.lines.join('\n');
    expect(log).toMatch(/debug credentials \| ca from certDir/);
    expect(log).toMatch(/debug tls \| 127\.0\.0\.1:\d+: TLSv1\.[23], ALPN h2, server certificate "CN=pantry-server/);
    expect(log).toMatch(
      /debug call \| \/hello\.v1\.HelloService\/Hello attempt=1 deadline_in=\d+ms status=UNAVAILABLE/,
    );
    expect(log).toMatch(
      /debug retry \| \/hello\.v1\.HelloService\/Hello attempt 1 failed with UNAVAILABLE: retrying in \d+ ms/,
    );
    expect(log).toMatch(/attempt=2 deadline_in=\d+ms status=OK latency=/);
    expect(log).toMatch(/authorization=\[redacted\]/);
    expect(log).not.toContain('super-secret-token');
    expect(leaksKey(log, await readFile(join(stack.certDir, 'client.key'), 'utf8'))).toBe(false);
  });

  it('warns through the tls tracer when the proxy selects no ALPN', async () => {
    const { PROXIES } = await import('../../src/testing/index.js');
    await using noAlpn = await startPantryStack({ runtime: 'process', proxyConfig: PROXIES.envoy.pitfalls['no-alpn'] });
    const logger = captureLogger();
    await using client = createClient(noAlpn.address, noAlpn.certDir, { trace: 'tls', logger });
    await client.hello.hello({});
    await new Promise((r) => setTimeout(r, 200));
    expect(logger.lines.join('\n')).toMatch(
      /ALPN none \(Python\/C\+\+ gRPC clients will fail: missing selected ALPN property\)/,
    );
  });
});
