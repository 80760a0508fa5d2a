import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';

// The README section "Traces and metrics with OpenTelemetry" shows examples/opentelemetry.ts whole;
// this runs that file as its own ES-module process (no OpenTelemetry hook) against the real server.
const run = promisify(execFile);
const example = join(PACKAGE_ROOT, 'examples', 'opentelemetry.ts');
let stack: PantryStack;

beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it('the README shows examples/opentelemetry.ts as it is', async () => {
  const readme = await readFile(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## ').find((s) => s.startsWith('Traces and metrics with OpenTelemetry'));
  expect(section).toBeDefined();
  expect(section).toContain(`\`\`\`ts\n${await readFile(example, 'utf8')}\`\`\``);
});

it('the example reports nested spans and the gRFC A66 metrics of its calls', async () => {
  // tsconfig.check.json maps '@pantry/client' to src/, as an installed package maps it to dist/.
  const { stdout } = await run(process.execPath, ['--import', 'tsx', example], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: join(PACKAGE_ROOT, 'tsconfig.check.json'),
      PANTRY_ADDRESS: stack.address,
      PANTRY_CERT_DIR: stack.certDir,
    },
  });
  const lines = stdout.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('span '))).toEqual([
    'span Attempt.pantry.v1.FoodStorageService.AddFood status_code=0 parent=pantry.v1.FoodStorageService/AddFood',
    'span pantry.v1.FoodStorageService/AddFood status_code=0 parent=restock',
    'span Attempt.pantry.v1.FoodStorageService.GetFood status_code=5 parent=pantry.v1.FoodStorageService/GetFood',
    'span pantry.v1.FoodStorageService/GetFood status_code=5 parent=restock',
    'span restock status_code=- parent=-',
  ]);
  expect(lines.filter((l) => l.startsWith('metric '))).toEqual([
    'metric grpc.client.attempt.started ({attempt}) grpc.status=-,-',
    'metric grpc.client.attempt.duration (s) grpc.status=OK,NOT_FOUND',
    'metric grpc.client.attempt.sent_total_compressed_message_size (By) grpc.status=OK,NOT_FOUND',
    'metric grpc.client.attempt.rcvd_total_compressed_message_size (By) grpc.status=OK,NOT_FOUND',
    'metric grpc.client.call.duration (s) grpc.status=OK,NOT_FOUND',
  ]);
});
