import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';

// The client's keepalive defaults (a ping every 30 s, also while idle) against real Envoy and the
// Go server directly: 10 s under load, then 95 s idle (at least three pings), and no GOAWAY
// (too_many_pings) at any point. grpc-js's own trace, in a child process, is the witness.
const run = promisify(execFile);
const LOAD_MS = 10_000;
const IDLE_MS = 95_000;
let envoy: PantryStack;
let direct: PantryStack;

beforeAll(async () => {
  [envoy, direct] = await Promise.all([
    startPantryStack({ runtime: 'process' }),
    startPantryStack({ runtime: 'process', proxy: 'none' }),
  ]);
});
afterAll(async () => {
  await Promise.all([envoy?.stop(), direct?.stop()]);
});

describe('keepalive defaults', () => {
  it(
    'Envoy and the Go server accept the pings under load and idle; the channel stays usable',
    async () => {
      const client = (stack: PantryStack) =>
        run(
          process.execPath,
          [
            '--import',
            'tsx',
            join(PACKAGE_ROOT, 'test', 'integration', 'keepalive-client.ts'),
            stack.address,
            stack.certDir,
            String(LOAD_MS),
            String(IDLE_MS),
          ],
          {
            env: { ...process.env, GRPC_TRACE: 'keepalive,transport', GRPC_VERBOSITY: 'DEBUG' },
            maxBuffer: 64 << 20,
            timeout: LOAD_MS + IDLE_MS + 60_000,
          },
        );
      const results = await Promise.all([client(envoy), client(direct)]);
      for (const [name, { stdout, stderr }] of [
        ['envoy', results[0]],
        ['direct', results[1]],
      ] as const) {
        const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { calls: number; last: string };
        expect(summary.calls, name).toBeGreaterThan(50);
        expect(summary.last, name).toBe('Hello, after idle!');
        expect((stderr.match(/Received ping response/g) ?? []).length, name).toBeGreaterThanOrEqual(3);
        expect(stderr, name).not.toMatch(/GOAWAY|too_many_pings|Ping timeout/i);
      }
    },
    LOAD_MS + IDLE_MS + 90_000,
  );
});
