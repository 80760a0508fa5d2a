import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { tempCerts } from '../helpers.js';

// close() ends everything the client started: calls and streams in flight fail with CANCELLED at
// once (the contract is 100 ms; asserted with slack for a loaded machine), and nothing keeps the
// process alive.
let stack: PantryStack;
let certs: Awaited<ReturnType<typeof tempCerts>>;
const slow = { metadata: { 'pantry-fault-delay-ms': '5000' } };
const BOUND_MS = 1000;

beforeAll(async () => {
  certs = await tempCerts();
  stack = await startPantryStack({ runtime: 'process', faultInjection: true, certDir: certs.dir });
});
afterAll(async () => {
  await stack?.stop();
  await certs?.cleanup();
});

/** Resolves with the error of `p` and the ms from `closeAt()` to its rejection. */
async function endedAfterClose(p: Promise<unknown>, close: () => void): Promise<{ err: PantryError; ms: number }> {
  const settled = p.then(
    () => undefined,
    (e) => ({ e, at: performance.now() }),
  );
  await new Promise((r) => setTimeout(r, 200)); // the call is on the wire
  const t0 = performance.now();
  close();
  const r = await settled;
  if (!r) throw new Error('the call succeeded after close()');
  return { err: r.e, ms: r.at - t0 };
}

describe('close()', () => {
  it('cancels a unary call in flight', async () => {
    const client = createClient(stack.address, stack.certDir);
    await client.hello.hello({});
    const { err, ms } = await endedAfterClose(client.hello.hello({ name: 'slow' }, slow), () => client.close());
    console.log(`unary call ended ${ms.toFixed(1)} ms after close()`);
    expect(err).toBeInstanceOf(PantryError);
    expect(err.code).toBe(Code.CANCELLED);
    expect(err.message).toMatch(/the client was closed/);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('ends an open follow watch, and a call made after close() fails with CANCELLED at once', async () => {
    const client = createClient(stack.address, stack.certDir);
    await client.foodStorage.addFood({
      food: { name: 'watched', quantity: 1, bestBefore: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) },
    });
    const watch = (async () => {
      for await (const _ of client.foodStorage.watchExpiringFoods({ follow: true, withinDays: 2 })) {
        // following
      }
    })();
    const { err, ms } = await endedAfterClose(watch, () => client.close());
    console.log(`follow watch ended ${ms.toFixed(1)} ms after close()`);
    expect(err.code).toBe(Code.CANCELLED);
    expect(ms).toBeLessThan(BOUND_MS);
    const after = await client.hello.hello({}).catch((e) => e);
    expect(after.code).toBe(Code.CANCELLED);
    expect(after.message).toMatch(/the client was closed/);
  });

  it('ends calls in flight at the end of an await using scope, and in a retry backoff', async () => {
    let inFlight: Promise<unknown>;
    let backingOff: Promise<unknown>;
    const t0 = performance.now();
    {
      await using client = createClient(stack.address, stack.certDir, {
        retry: { initialBackoffMs: 5000, maxBackoffMs: 5000 },
      });
      await client.hello.hello({});
      inFlight = client.hello.hello({}, slow).catch((e) => e);
      backingOff = client.hello.hello({}, { metadata: { 'pantry-fault-code': 'UNAVAILABLE' } }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 300));
    }
    const [a, b] = (await Promise.all([inFlight, backingOff])) as PantryError[];
    expect(a.code).toBe(Code.CANCELLED);
    expect(b.code).toBe(Code.CANCELLED);
    expect(performance.now() - t0).toBeLessThan(300 + 2 * BOUND_MS + 2000);
  });

  it('lets a process whose only work was a follow watch exit by itself', async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'watch-then-close.ts');
    const t0 = performance.now();
    const { stdout, exitMs } = await new Promise<{ stdout: string; exitMs: number }>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', fixture, stack.address, stack.certDir],
        { timeout: 20_000 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`the process did not exit by itself: ${err.message}\n${stdout}\n${stderr}`));
          else resolve({ stdout, exitMs: performance.now() - t0 });
        },
      );
      child.stdin?.end();
    });
    console.log(
      `${stdout.trim().replace(/\n/g, '; ')} (ms since the client was created); the test saw the exit after ${exitMs.toFixed(0)} ms, tsx start-up included`,
    );
    expect(stdout).toMatch(/close at/);
    expect(stdout).toMatch(/watch ended with CANCELLED/);
    const at = (what: string) => Number(new RegExp(`${what} at ([\\d.]+)`).exec(stdout)?.[1]);
    expect(at('exit') - at('close')).toBeLessThan(BOUND_MS);
  });
});
