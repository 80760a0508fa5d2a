import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { PROXIES, startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { pythonWithGrpc, runSample } from '../python.js';

// The article's Python client (grpcio, which requires ALPN) and this SDK, through the same proxy.
let python: string;
let stubs: string;
let good: PantryStack;
let noAlpn: PantryStack;

beforeAll(async () => {
  stubs = await mkdtemp(join(tmpdir(), 'pantry-py-'));
  python = await pythonWithGrpc(stubs);
  [good, noAlpn] = await Promise.all([
    startPantryStack({ runtime: 'process', proxy: 'haproxy' }),
    startPantryStack({ runtime: 'process', proxy: 'haproxy', proxyConfig: PROXIES.haproxy.pitfalls['no-alpn'] }),
  ]);
});

afterAll(async () => {
  await Promise.all([good?.stop(), noAlpn?.stop()]);
  await rm(stubs, { recursive: true, force: true });
});

describe('interop with the article\'s Python client', () => {
  it('both clients call Hello through the same proxy with the same certificates', async () => {
    const py = await runSample(python, stubs, { GRPC_SERVER_ADDRESS: good.address, PANTRY_CERT_DIR: good.certDir }, 'python');
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toBe('Hello, python!');
    await using client = createClient(good.address, good.certDir);
    expect((await client.hello.hello({ name: 'node' })).message).toBe('Hello, node!');
  });

  it('the proxy refuses a Python client without a certificate', async () => {
    const noCert = await mkdtemp(join(tmpdir(), 'pantry-nocert-'));
    await copyFile(join(good.certDir, 'ca.crt'), join(noCert, 'ca.crt'));
    const py = await runSample(python, stubs, { GRPC_SERVER_ADDRESS: good.address, PANTRY_CERT_DIR: noCert });
    await rm(noCert, { recursive: true, force: true });
    expect(py.code).not.toBe(0);
    expect(py.stderr).toMatch(/CERTIFICATE_REQUIRED/);
    expect(py.stderr).toMatch(/^UNAVAILABLE: /m);
  });

  it('reproduces the article\'s ALPN pitfall: Python fails, Node connects, the harness warns', async () => {
    const py = await runSample(python, stubs, { GRPC_SERVER_ADDRESS: noAlpn.address, PANTRY_CERT_DIR: noAlpn.certDir });
    expect(py.code).not.toBe(0);
    expect(py.stderr).toMatch(/missing selected ALPN property/);
    await using client = createClient(noAlpn.address, noAlpn.certDir);
    expect((await client.hello.hello({})).message).toBe('Hello, world!');
    expect(noAlpn.tls.alpn).toBe(false);
  });
});
