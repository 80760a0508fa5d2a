import { afterAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError } from '../../src/index.js';
import { PROXIES, startPantryStack, type PantryStack, type PantryStackOptions } from '../../src/testing/index.js';
import { dockerAvailable } from '../../src/testing/docker-runtime.js';

// In CI nothing skips: a missing engine is a failure. On a laptop without Docker the docker cases skip with one line.
const hasDocker = await dockerAvailable();
if (!hasDocker && !process.env.CI) console.warn('harness: no Docker engine answers (set DOCKER_HOST?): skipping the docker-runtime tests');
const runtimes = (hasDocker || process.env.CI ? ['docker', 'process'] : ['process']) as Array<'docker' | 'process'>;

const stacks: PantryStack[] = [];
async function start(options: PantryStackOptions): Promise<PantryStack> {
  const stack = await startPantryStack(options);
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

describe.each(runtimes)('runtime %s', (runtime) => {
  it.each(['haproxy', 'none'] as const)('serves Hello and AddFood through proxy %s with mutual TLS', async (proxy) => {
    const stack = await start({ runtime, proxy });
    expect(stack.runtime).toBe(runtime);
    expect(stack.tls.alpn, stack.tls.error).toBe('h2');
    await using client = createClient(stack.address, stack.certDir);
    expect((await client.hello.hello({ name: runtime })).message).toBe(`Hello, ${runtime}!`);
    const { food } = await client.foodStorage.addFood({ food: { name: '保存水', quantity: 2 } });
    expect(food!.id).toMatch(/\S/);
  });

  it('reproduces the HTTP/1.1-upstream pitfall and names the fix', async () => {
    const stack = await start({ runtime, proxy: 'haproxy', proxyConfig: PROXIES.haproxy.pitfalls['http1-upstream'] });
    await using client = createClient(stack.address, stack.certDir, { retry: false });
    const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
    expect(err).toBeInstanceOf(PantryError);
    expect(err.details).toMatch(/Received HTTP status code 50[23]/);
    expect(err.hint).toMatch(/speaks HTTP\/1\.1 to it/);
    expect(err.hint).toMatch(/proto h2/);
  });

  it('reproduces the no-ALPN pitfall: grpc-js still connects, the harness reports no ALPN', async () => {
    const stack = await start({ runtime, proxy: 'haproxy', proxyConfig: PROXIES.haproxy.pitfalls['no-alpn'] });
    expect(stack.tls.alpn, stack.tls.error).toBe(false);
    await using client = createClient(stack.address, stack.certDir);
    expect((await client.hello.hello({ name: 'node' })).message).toBe('Hello, node!');
  });

  it('refuses a client without a certificate', async () => {
    const stack = await start({ runtime, proxy: 'haproxy' });
    await using client = createClient({ address: stack.address, ca: `${stack.certDir}/ca.crt`, retry: false });
    const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.hint).toMatch(/requires a client certificate/);
  });

  it('restarts the server and keeps the same address', async () => {
    const stack = await start({ runtime, proxy: 'haproxy' });
    await using client = createClient(stack.address, stack.certDir);
    await client.hello.hello({});
    await stack.restartServer();
    expect((await client.hello.hello({ name: 'again' })).message).toBe('Hello, again!');
    expect(stack.logs()).toMatch(/serving on/);
  });
});

describe('startPantryStack errors', () => {
  it('rejects an unknown proxy with a clear message', async () => {
    await expect(startPantryStack({ proxy: 'nginx' as never })).rejects.toThrow(/proxy must be 'envoy', 'haproxy' or 'none'/);
  });

  it('says how to get Envoy when it is not on PATH (process runtime)', async () => {
    await expect(startPantryStack({ runtime: 'process', proxy: 'envoy' })).rejects.toThrow(/needs the envoy binary on PATH/);
  });
});
