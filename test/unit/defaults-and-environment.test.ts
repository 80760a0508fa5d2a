import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, composeInterceptors, createClient, PantryError, type CallFn } from '../../src/index.js';
import { serviceClient } from '../../src/client/service-client.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Tracer } from '../../src/observability/tracer.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { captureLogger, execScanned, tempCerts } from '../helpers.js';

// The README's defaults and environment variables, each checked where the client shows it: the
// deadline tracer's line, the trace format, retries over a scripted transport.
let certs: Awaited<ReturnType<typeof tempCerts>>;
beforeAll(async () => {
  certs = await tempCerts();
});
afterAll(async () => {
  await certs?.cleanup();
});

/** The deadline the client gave a call, from its `deadline` trace line (nothing listens on port 1). */
async function deadlineOf(
  call: (c: ReturnType<typeof createClient>) => Promise<unknown>,
  options: object = {},
  env: Record<string, string> = {},
) {
  const logger = captureLogger();
  const client = createClient({
    address: 'localhost:1',
    certDir: certs.dir,
    retry: false,
    trace: 'deadline',
    logger,
    env,
    ...options,
  });
  try {
    await call(client).catch(() => undefined);
  } finally {
    client.close();
  }
  const line = logger.lines.find((l) => / deadline (in -?\d+ ms|none)/.test(l)) ?? '';
  return line.includes('deadline none') ? Infinity : Number(line.match(/deadline in (-?\d+) ms/)?.[1]);
}

describe('deadlines', () => {
  it('unary calls default to 10 000 ms', async () => {
    expect(await deadlineOf((c) => c.hello.hello({}))).toBeGreaterThan(9_900);
    expect(await deadlineOf((c) => c.hello.hello({}))).toBeLessThanOrEqual(10_000);
  });

  it('PANTRY_DEADLINE_MS sets the default, and the option wins over it', async () => {
    expect(await deadlineOf((c) => c.hello.hello({}), {}, { PANTRY_DEADLINE_MS: '3000' })).toBeGreaterThan(2_900);
    expect(await deadlineOf((c) => c.hello.hello({}), {}, { PANTRY_DEADLINE_MS: '3000' })).toBeLessThanOrEqual(3_000);
    expect(
      await deadlineOf((c) => c.hello.hello({}), { deadlineMs: 700 }, { PANTRY_DEADLINE_MS: '3000' }),
    ).toBeLessThanOrEqual(700);
  });

  it('streams have none by default; streamDeadlineMs gives them one', async () => {
    const watch = async (c: ReturnType<typeof createClient>) => {
      for await (const _ of c.foodStorage.watchExpiringFoods({ withinDays: 1 })) break;
    };
    expect(await deadlineOf(watch)).toBe(Infinity);
    const ms = await deadlineOf(watch, { streamDeadlineMs: 1_500 });
    expect(ms).toBeGreaterThan(1_400);
    expect(ms).toBeLessThanOrEqual(1_500);
  });

  it('a per-call absolute deadline (a Date) is used as given', async () => {
    const ms = await deadlineOf((c) => c.hello.hello({}, { deadline: new Date(Date.now() + 4_321) }));
    expect(ms).toBeGreaterThan(4_200);
    expect(ms).toBeLessThanOrEqual(4_321);
  });
});

describe('environment', () => {
  it('PANTRY_TRACE switches tracers on, in the line format of GRPC_TRACE on stderr; PANTRY_VERBOSITY filters them', async () => {
    const script = `import { createClient } from './src/index.ts';
const c = createClient({ address: 'localhost:1', certDir: process.argv[1], retry: false });
await c.hello.hello({}).catch(() => undefined);
c.close();`;
    const trace = (env: Record<string, string>) =>
      execScanned(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, certs.dir], {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, ...env },
      });
    const { stderr } = await trace({ PANTRY_TRACE: 'call,deadline' });
    expect(stderr).toMatch(
      /^D \d{4}-\d\d-\d\dT[\d:.]+Z \| @pantry\/client \d+\.\d+\.\d+ \d+ \| call \| \/hello\.v1\.HelloService\/Hello attempt=1 deadline_in=\d+ms start$/m,
    );
    expect(stderr).toMatch(/ \| deadline \| \/hello\.v1\.HelloService\/Hello deadline in \d+ ms$/m);
    expect(stderr).not.toMatch(/ \| tls \| /);
    expect((await trace({ PANTRY_TRACE: 'all', PANTRY_VERBOSITY: 'ERROR' })).stderr).not.toMatch(/^D /m);
  });

  it('PANTRY_CA_CERT/PANTRY_CLIENT_CERT/PANTRY_CLIENT_KEY win over PANTRY_CERT_DIR', () => {
    const logger = captureLogger();
    const client = createClient({
      address: 'localhost:1',
      logger,
      trace: 'credentials',
      env: {
        PANTRY_CERT_DIR: join(certs.root, 'nowhere'),
        PANTRY_CA_CERT: join(certs.dir, 'ca.crt'),
        PANTRY_CLIENT_CERT: join(certs.dir, 'client.crt'),
        PANTRY_CLIENT_KEY: join(certs.dir, 'client.key'),
      },
    });
    client.close();
    const text = logger.lines.join('\n');
    expect(text).toMatch(/env PANTRY_CA_CERT/);
    expect(text).not.toMatch(/nowhere/);
  });

  it('the port defaults to 443', () => {
    const client = createClient({ address: 'pantry.example.com', certDir: certs.dir });
    expect(client.address).toBe('pantry.example.com:443');
    client.close();
  });
});

describe('retries', () => {
  const failingTwice = () => {
    const attempts: string[] = [];
    const transport: CallFn = async (req) => {
      attempts.push(req.method.name);
      if (attempts.length <= 2)
        throw new PantryError({ code: Code.UNAVAILABLE, details: 'scripted', metadata: new Metadata() });
      return { kind: 'unary', message: {}, header: new Metadata() };
    };
    return { attempts, transport };
  };
  const client = (transport: CallFn, throttle = new RetryThrottle()) => {
    const tracer = new Tracer({ trace: '' }, {});
    return serviceClient(
      FoodStorageServiceDefinition,
      composeInterceptors(
        [
          deadlineStage({ deadlineMs: 5_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} }, tracer),
          retryStage({ ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 2 }, throttle, tracer),
        ],
        transport,
      ),
    );
  };

  it.each([
    ['updateFood', { food: { id: 'food-00000001', quantity: 2 }, updateMask: ['quantity'] }],
    ['deleteFood', { id: 'food-00000001' }],
  ] as const)('retries the IDEMPOTENT write %s', async (method, request) => {
    const s = failingTwice();
    await client(s.transport)[method](request as never);
    expect(s.attempts).toHaveLength(3);
  });

  it('a success refills the throttle; retryThrottle: false never throttles', async () => {
    const throttle = new RetryThrottle();
    for (let i = 0; i < 6; i++) throttle.onFailure();
    expect(throttle.allowsRetry()).toBe(false);
    for (let i = 0; i < 20; i++) throttle.onSuccess();
    expect(throttle.allowsRetry()).toBe(true);
    const logger = captureLogger();
    const unthrottled = createClient({
      address: 'localhost:1',
      certDir: certs.dir,
      retryThrottle: false,
      trace: 'retry',
      logger,
      retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    for (let i = 0; i < 8; i++) await unthrottled.hello.hello({}).catch(() => undefined);
    unthrottled.close();
    expect(logger.lines.join('\n')).not.toMatch(/retry throttle engaged/);
    expect(logger.lines.filter((l) => /retrying in/.test(l)).length).toBe(8 * 3);
  });
});

describe('pantry-client dev-certs', () => {
  it("writes certificates that createClient accepts, under the article's names", async () => {
    const dir = join(certs.root, 'from-cli');
    await execScanned(process.execPath, [
      join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(PACKAGE_ROOT, 'src', 'cli', 'main.ts'),
      'dev-certs',
      dir,
    ]);
    for (const f of ['ca.crt', 'client.crt', 'client.key', 'server.crt', 'server.key'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const client = createClient('localhost:1', dir);
    expect(client.address).toBe('localhost:1');
    client.close();
  });
});
