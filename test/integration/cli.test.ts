import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Category } from '../../src/generated/pantry/v1/food.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { execScanned, tempCerts } from '../helpers.js';

// `pantry-client` as a user runs it, against a harness stack behind Envoy: help and version,
// exit codes, `call` checking its JSON as the API does, and failures in plain words.
const CLI = [join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(PACKAGE_ROOT, 'src', 'cli', 'main.ts')];
const VERSION = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version as string;
/** The generated enum's name for a number (the naming follows the generator's options). */
const categoryName = (n: number) => (Category as unknown as Record<number, string>)[n];
let certs: Awaited<ReturnType<typeof tempCerts>>;
let other: Awaited<ReturnType<typeof tempCerts>>;
let stack: PantryStack;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [certs, other] = await Promise.all([tempCerts(), tempCerts()]);
  stack = await startPantryStack({ runtime: 'process', certDir: certs.dir });
  env = { ...process.env, PANTRY_ADDRESS: stack.address, PANTRY_CERT_DIR: certs.dir };
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([certs?.cleanup(), other?.cleanup()]);
});

/** Runs the CLI; resolves with the exit code and output also when it exits non-zero. */
async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await execScanned(process.execPath, [...CLI, ...args], { env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pantry-client', () => {
  it.each([
    [['--help'], /Usage: pantry-client <command>/],
    [['-h'], /Usage: pantry-client <command>/],
    [['help', 'call'], /Usage: pantry-client call/],
    [['doctor', '--help'], /Usage: pantry-client doctor/],
    [['call', '--help'], /Usage: pantry-client call/],
    [['call', 'FoodStorageService/ListFoods', '-h'], /Usage: pantry-client call/],
    [['dev-certs', '--help'], /Usage: pantry-client dev-certs/],
  ])('%j prints help with the exit codes and exits 0', async (args, usage) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(usage);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}success.*\n {2}1 {2}.*\n {2}2 {2}usage/);
  });

  it('prints the version from package.json', async () => {
    for (const flag of ['--version', '-v'])
      expect(await cli([flag])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it.each([
    [['doctor', '--bogus'], /Unknown option '--bogus'[\s\S]*See: pantry-client doctor --help/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /no command/],
    [['call'], /call needs a method/],
    [
      ['call', 'FoodStorageService/ListFoods', '{"pageSiz": 10}'],
      /request field pageSiz: no such field \(fields: pageSize,/,
    ],
    [
      ['call', 'FoodStorageService/ListFoods', '{"category": "WATERR"}'],
      /category: "WATERR" is not a pantry\.v1\.Category/,
    ],
    [['call', 'FoodStorageService/AddFood', '{"food": {"quantity": "6"}}'], /food\.quantity: expected a number/],
    [['call', 'FoodStorageService/ListFoods', '{pageSize: 10}'], /the request is not JSON/],
    [['call', 'FoodStorageService/EatFood', '{}'], /no method "FoodStorageService\/EatFood"/],
  ])('%j is a usage error: exit 2, nothing sent', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('takes enums by name and prints them by name', async () => {
    const water = categoryName(1);
    const added = await cli([
      'call',
      'FoodStorageService/AddFood',
      JSON.stringify({ food: { name: '保存水 2L', quantity: 6, category: water } }),
    ]);
    expect(added.code).toBe(0);
    // Answers are proto3 JSON (as grpcurl prints them): the proto name, which call also accepts.
    expect(JSON.parse(added.stdout).food).toMatchObject({ name: '保存水 2L', category: 'CATEGORY_WATER' });
    const listed = await cli([
      'call',
      'FoodStorageService/ListFoods',
      '{"category": "CATEGORY_WATER", "page_size": 50}',
    ]);
    expect(listed.code).toBe(0);
    const foods = JSON.parse(listed.stdout).foods as Array<{ name: string; category: string }>;
    expect(foods.map((f) => f.category)).toEqual(foods.map(() => 'CATEGORY_WATER'));
    expect(foods.map((f) => f.name)).toContain('保存水 2L');
  });

  it("states a failed call's cause and fix in plain words, and the raw grpc-js error only with --verbose", async () => {
    // A client certificate from a CA the proxy does not trust: Envoy refuses it with TLS alert 48.
    const foreign = {
      PANTRY_CLIENT_CERT: join(other.dir, 'client.crt'),
      PANTRY_CLIENT_KEY: join(other.dir, 'client.key'),
    };
    const plain = await cli(['call', 'hello.v1.HelloService/Hello', '{"name":"x"}'], foreign);
    expect(plain.code).toBe(1);
    // (Before it, the client's own warning that this certificate is not from the CA in certDir.)
    const lines = plain.stderr.trimEnd().split('\n');
    lines.splice(
      0,
      lines.findIndex((l) => l.startsWith('pantry-client:')),
    );
    expect(lines[0]).toBe('pantry-client: hello.v1.HelloService/Hello failed: UNAVAILABLE');
    expect(lines[1]).toMatch(/^ {2}cause: .*unknown ca \(TLS alert 48\)$/);
    expect(lines[2]).toMatch(
      /^ {2}fix: {3}the proxy rejected the client certificate: it is not signed by a CA the proxy trusts/,
    );
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/Resolution note|error:0A|\.c:\d+|\d{4}-\d{2}-\d{2}T\d{2}:|raw/);

    const verbose = await cli(['call', 'hello.v1.HelloService/Hello', '{"name":"x"}', '--verbose'], foreign);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^ {2}raw: {3}".*SSL alert number 48.*"$/m);
  });

  it('doctor shows plain causes without duplicates, the raw error only with --verbose', async () => {
    const foreign = ['--cert', join(other.dir, 'client.crt'), '--key', join(other.dir, 'client.key')];
    const plain = await cli(['doctor', ...foreign]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(
      /✖ TLS handshake .*\n {4}cause: the server ended the connection after the handshake: .*unknown ca \(TLS alert 48\)\n {4}fix: /,
    );
    expect(plain.stdout).not.toMatch(/raw:|error:0A|Resolution note|\d{4}-\d{2}-\d{2}T\d{2}:/);
    const causes = plain.stdout.split('\n').filter((l) => l.trim().startsWith('cause:'));
    expect(new Set(causes).size).toBe(causes.length);
    expect(plain.stdout).toMatch(/✖ gRPC Hello .*\n {4}cause: the same as for gRPC health above\n/);
    const verbose = await cli(['doctor', ...foreign, '--verbose']);
    expect(verbose.stdout).toMatch(/^ {4}raw: {3}".*alert number 48.*"$/m);
    const json = await cli(['doctor', ...foreign, '--json']);
    expect(json.stdout).not.toMatch(/"raw"/);
  });
});
