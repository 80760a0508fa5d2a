import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorReport } from '../../src/doctor/doctor.js';
import {
  PROXIES,
  startPantryStack,
  writeDevCertificates,
  type PantryStack,
  type ProxyKind,
} from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { execScanned as run, tempCerts } from '../helpers.js';
import { needs } from '../requirements.js';

// doctor against harness stacks behind Envoy and HAProxy, healthy and misconfigured: the failing
// step and the fix each time, from the proxy's real answers.
const DAY = 86_400_000;
const proxies: ProxyKind[] = ['envoy', ...(needs('haproxy', 'doctor') ? (['haproxy'] as const) : [])];
let certs: Awaited<ReturnType<typeof tempCerts>>;
let other: Awaited<ReturnType<typeof tempCerts>>;
let stacks: Record<ProxyKind, Record<'healthy' | 'noAlpn' | 'http1' | 'down' | 'dnsOnly', PantryStack>>;

/** What each proxy answers when it speaks HTTP/1.1 upstream, and when the server is down. */
const PROXY_SAYS: Record<ProxyKind, { http1: RegExp; down: RegExp }> = {
  envoy: {
    http1: /reset reason: protocol error/,
    down: /upstream connect error .*reset reason: (remote connection failure|connection failure)/,
  },
  haproxy: { http1: /Received HTTP status code 502/, down: /Received HTTP status code 503/ },
};

beforeAll(async () => {
  [certs, other] = await Promise.all([tempCerts(), tempCerts()]);
  const dnsOnlyDir = join(certs.root, 'dns-only');
  await writeDevCertificates(dnsOnlyDir, { serverNames: ['localhost'] });
  stacks = {} as typeof stacks;
  for (const proxy of proxies) {
    const p = { runtime: 'process', proxy, certDir: certs.dir } as const;
    const [healthy, noAlpn, http1, down, dnsOnly] = await Promise.all([
      startPantryStack(p),
      startPantryStack({ ...p, proxyConfig: PROXIES[proxy].pitfalls['no-alpn'] }),
      startPantryStack({ ...p, proxyConfig: PROXIES[proxy].pitfalls['http1-upstream'] }),
      startPantryStack(p),
      startPantryStack({ ...p, certDir: dnsOnlyDir }),
    ]);
    stacks[proxy] = { healthy, noAlpn, http1, down, dnsOnly };
    await down.stopServer();
  }
});

afterAll(async () => {
  await Promise.all(Object.values(stacks ?? {}).flatMap((s) => Object.values(s).map((stack) => stack.stop())));
  await Promise.all([certs?.cleanup(), other?.cleanup()]);
});

function failing(report: DoctorReport) {
  return report.steps.find((s) => s.status === 'fail');
}

async function mixed(name: string, parts: { ca: string; cert: string; key: string }): Promise<string> {
  const dir = join(certs.root, name);
  await mkdir(dir, { recursive: true });
  await copyFile(parts.ca, join(dir, 'ca.crt'));
  await copyFile(parts.cert, join(dir, 'client.crt'));
  await copyFile(parts.key, join(dir, 'client.key'));
  return dir;
}

describe.each(proxies)('pantry-client doctor behind %s', (proxy) => {
  const stack = (name: keyof (typeof stacks)[ProxyKind]) => stacks[proxy][name];
  it('passes every step on a healthy stack', async () => {
    const report = await runDoctor({ address: stack('healthy').address, certDir: certs.dir });
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['certificates', 'pass'],
      ['name resolution', 'pass'],
      ['TCP connect', 'pass'],
      ['TLS handshake', 'pass'],
      ['gRPC health', 'pass'],
      ['gRPC Hello', 'pass'],
    ]);
    expect(report.steps[3].detail).toMatch(/ALPN h2.*client certificate accepted/);
  });

  const cases: Array<{
    name: string;
    options: () => Promise<Parameters<typeof runDoctor>[0]>;
    step: string;
    cause?: RegExp;
    fix: RegExp;
  }> = [
    {
      name: 'a CA that did not sign the server certificate',
      options: async () => ({
        address: stack('healthy').address,
        certDir: await mixed('wrong-ca', {
          ca: join(other.dir, 'ca.crt'),
          cert: join(other.dir, 'client.crt'),
          key: join(other.dir, 'client.key'),
        }),
      }),
      step: 'TLS handshake',
      cause: /does not verify against certDir/,
      fix: /use the CA that issued the proxy's certificate/,
    },
    {
      name: 'an expired client certificate',
      options: async () => {
        const dir = join(certs.root, 'expired');
        await certs.issueClient(dir, {
          validity: { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) },
        });
        await copyFile(join(certs.dir, 'ca.crt'), join(dir, 'ca.crt'));
        return { address: stack('healthy').address, certDir: dir };
      },
      step: 'certificates',
      cause: /expired on/,
      fix: /renew the certificate/,
    },
    {
      name: 'a client certificate from another CA',
      options: async () => ({
        address: stack('healthy').address,
        certDir: await mixed('other-client', {
          ca: join(certs.dir, 'ca.crt'),
          cert: join(other.dir, 'client.crt'),
          key: join(other.dir, 'client.key'),
        }),
      }),
      step: 'TLS handshake',
      cause: /ended the connection after the handshake: .*unknown ca/,
      fix: /rejected the client certificate/,
    },
    {
      name: 'a host name missing from the server certificate',
      options: async () => ({ address: stack('dnsOnly').address, certDir: join(certs.root, 'dns-only') }),
      step: 'TLS handshake',
      cause: /does not name 127\.0\.0\.1 \(DNS:localhost\)/,
      fix: /--server-name/,
    },
    {
      name: 'a proxy without ALPN',
      options: async () => ({ address: stack('noAlpn').address, certDir: certs.dir }),
      step: 'TLS handshake',
      cause: /selects no ALPN protocol.*missing selected ALPN property/,
      fix: /alpn_protocols: \["h2", "http\/1\.1"\].*alpn h2,http\/1\.1/,
    },
    {
      name: 'a proxy speaking HTTP/1.1 upstream',
      options: async () => ({ address: stack('http1').address, certDir: certs.dir }),
      step: 'gRPC health',
      cause: PROXY_SAYS[proxy].http1,
      fix: /speaks HTTP\/1\.1 to it.*explicit_http_config\.http2_protocol_options.*proto h2/,
    },
    {
      name: 'the server down behind the proxy',
      options: async () => ({ address: stack('down').address, certDir: certs.dir }),
      step: 'gRPC health',
      cause: PROXY_SAYS[proxy].down,
      fix: /the proxy has no gRPC server to forward to: the server is down/,
    },
    {
      name: "the server's plaintext port",
      options: async () => ({ address: stack('healthy').serverAddress, certDir: certs.dir }),
      step: 'TLS handshake',
      cause: /wrong version number/,
      fix: /answers in plaintext/,
    },
    {
      name: 'nothing listening',
      options: async () => ({ address: '127.0.0.1:1', certDir: certs.dir }),
      step: 'TCP connect',
      cause: /ECONNREFUSED/,
      fix: /nothing listens there/,
    },
  ];

  it.each(cases)('names the failing step and the fix for $name', async ({ options, step, cause, fix }) => {
    const report = await runDoctor(await options());
    expect(report.ok).toBe(false);
    const f = failing(report)!;
    expect(f.name).toBe(step);
    if (cause) expect(f.cause).toMatch(cause);
    expect(f.fix).toMatch(fix);
  });

  it('prints JSON and exits 1 from the command line when a step fails, 0 when all pass', async () => {
    const cli = [
      join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'),
      'doctor',
      '--json',
    ];
    const bad = await run(process.execPath, [
      ...cli,
      '--address',
      stack('noAlpn').address,
      '--cert-dir',
      certs.dir,
    ]).catch((e) => e);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as DoctorReport;
    expect(failing(report)?.name).toBe('TLS handshake');
    const good = await run(process.execPath, [
      ...cli.slice(0, -1),
      '--address',
      stack('healthy').address,
      '--cert-dir',
      certs.dir,
    ]);
    expect(good.stdout).toMatch(/✔ gRPC Hello .*Hello, doctor!/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ANSI escape is what must be absent
    expect(good.stdout).not.toMatch(/\u001b\[/); // plain when not a TTY
  });

  it('makes one call from the command line and prints JSON', async () => {
    const cli = [
      join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'),
    ];
    const env = { ...process.env, PANTRY_ADDRESS: stack('healthy').address, PANTRY_CERT_DIR: certs.dir };
    const added = await run(
      process.execPath,
      [...cli, 'call', 'FoodStorageService/AddFood', '{"food":{"name":"乾パン","quantity":2}}'],
      { env },
    );
    expect(JSON.parse(added.stdout).food).toMatchObject({ name: '乾パン', quantity: 2 });
    const hello = await run(process.execPath, [...cli, 'call', 'hello.v1.HelloService/Hello', '{"name":"cli"}'], {
      env,
    });
    expect(JSON.parse(hello.stdout)).toEqual({ message: 'Hello, cli!' });
    const wrong = await run(process.execPath, [...cli, 'call', 'FoodStorageService/EatFood', '{}'], { env }).catch(
      (e) => e,
    );
    expect(wrong.code).toBe(2); // a usage error: nothing was sent
    expect(wrong.stderr).toMatch(/no method "FoodStorageService\/EatFood".*pantry\.v1\.FoodStorageService\/AddFood/s);
  });
});
