import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { PROXIES, startPantryStack, type PantryStack, type ProxyKind } from '../../src/testing/index.js';
import { pythonWithGrpc, runSample } from '../python.js';
import { needs } from '../requirements.js';

// The article's Python client (grpcio, which requires ALPN) and this SDK, through the same proxy:
// real Envoy (the article's proxy) and HAProxy.
const proxies: ProxyKind[] = ['envoy', ...(needs('haproxy', 'python-interop') ? (['haproxy'] as const) : [])];
let python: string;
let stubs: string;
const stacks = new Map<ProxyKind, { good: PantryStack; noAlpn: PantryStack }>();

beforeAll(async () => {
  stubs = await mkdtemp(join(tmpdir(), 'pantry-py-'));
  python = await pythonWithGrpc(stubs);
  for (const proxy of proxies) {
    const [good, noAlpn] = await Promise.all([
      startPantryStack({ runtime: 'process', proxy }),
      startPantryStack({ runtime: 'process', proxy, proxyConfig: PROXIES[proxy].pitfalls['no-alpn'] }),
    ]);
    stacks.set(proxy, { good, noAlpn });
  }
});

afterAll(async () => {
  await Promise.all([...stacks.values()].flatMap((s) => [s.good.stop(), s.noAlpn.stop()]));
  await rm(stubs, { recursive: true, force: true });
});

describe.each(proxies)("interop with the article's Python client through %s", (proxy) => {
  const stack = (which: 'good' | 'noAlpn') => stacks.get(proxy)![which];

  it('both clients call Hello through the same proxy with the same certificates', async () => {
    const py = await runSample(
      python,
      stubs,
      { GRPC_SERVER_ADDRESS: stack('good').address, PANTRY_CERT_DIR: stack('good').certDir },
      'python',
    );
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('Hello, python!');
    await using client = createClient(stack('good').address, stack('good').certDir);
    expect((await client.hello.hello({ name: 'node' })).message).toBe('Hello, node!');
  });

  it('the proxy refuses a Python client without a certificate', async () => {
    const noCert = await mkdtemp(join(tmpdir(), 'pantry-nocert-'));
    await copyFile(join(stack('good').certDir, 'ca.crt'), join(noCert, 'ca.crt'));
    const py = await runSample(python, stubs, { GRPC_SERVER_ADDRESS: stack('good').address, PANTRY_CERT_DIR: noCert });
    await rm(noCert, { recursive: true, force: true });
    expect(py.code).not.toBe(0);
    expect(py.stderr).toMatch(/CERTIFICATE_REQUIRED/);
    expect(py.stderr).toMatch(/^UNAVAILABLE: /m);
  });

  it("reproduces the article's ALPN pitfall: Python fails, Node connects, the harness warns", async () => {
    const py = await runSample(python, stubs, {
      GRPC_SERVER_ADDRESS: stack('noAlpn').address,
      PANTRY_CERT_DIR: stack('noAlpn').certDir,
    });
    expect(py.code).not.toBe(0);
    expect(py.stderr).toMatch(/missing selected ALPN property/);
    await using client = createClient(stack('noAlpn').address, stack('noAlpn').certDir);
    expect((await client.hello.hello({})).message).toBe('Hello, world!');
    expect(stack('noAlpn').tls.alpn).toBe(false);
  });
});
