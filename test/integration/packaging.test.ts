import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';

// `npm pack` installed into an empty app: the ESM import type-checks under strict and calls
// Hello; require() from CommonJS works too; the tarball holds what a consumer needs and no more.
const run = promisify(execFile);
let app: string;
let tarball: string;
let stack: PantryStack;

beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'pantry-app-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', app], {
    cwd: PACKAGE_ROOT,
    maxBuffer: 16 << 20,
  });
  tarball = join(app, stdout.trim().split('\n').at(-1)!);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pantry-app', private: true, type: 'module' }));
  const { devDependencies: dev } = (await import(join(PACKAGE_ROOT, 'package.json'), { with: { type: 'json' } }))
    .default as { devDependencies: Record<string, string> };
  // The harness's optional peers too, as an app testing with @pantry/client/testing installs them.
  const peers = ['typescript', '@types/node', 'testcontainers', '@peculiar/x509', 'reflect-metadata'].map(
    (p) => `${p}@${dev[p]}`,
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers], {
    cwd: app,
    maxBuffer: 16 << 20,
  });
  stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (app) await rm(app, { recursive: true, force: true });
});

describe('the published package', () => {
  it('holds the built SDK, the harness and the server sources, and no tests or TypeScript sources', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/testing/index.js');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/server/cmd/pantry-server/main.go');
    expect(files).toContain('package/deploy/haproxy/haproxy.cfg');
    expect(files).toContain('package/deploy/envoy/envoy.yaml');
    expect(files).toContain('package/deploy/envoy/pitfalls/no-alpn.yaml');
    expect(files.filter((f) => /_test\.go$|\.test\.ts$|^package\/(src|test|bench|examples)\/|\.map$/.test(f))).toEqual(
      [],
    );
  });

  it('type-checks an ESM app under strict and calls Hello', async () => {
    await writeFile(
      join(app, 'app.ts'),
      `import { createClient, PantryError, type PantryClient } from '@pantry/client';
const client: PantryClient = createClient(process.env.PANTRY_ADDRESS!, process.env.PANTRY_CERT_DIR!);
const { food } = await client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } });
const quantity: number = food!.quantity;
const { message } = await client.hello.hello({ name: 'esm' });
console.log(message, quantity, PantryError.name);
client.close();
`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          outDir: 'out',
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', app], { cwd: app });
    const { stdout } = await run(process.execPath, [join(app, 'out', 'app.js')], {
      cwd: app,
      env: { ...process.env, PANTRY_ADDRESS: stack.address, PANTRY_CERT_DIR: stack.certDir },
    });
    expect(stdout.trim()).toBe('Hello, esm! 6 PantryError');
  });

  it('rejects a wrong request type at compile time', async () => {
    await writeFile(
      join(app, 'bad.ts'),
      `import { createClient } from '@pantry/client';\ncreateClient('x:1', './certs').foodStorage.addFood({ food: { quantity: 'six' } });\n`,
    );
    await writeFile(
      join(app, 'tsconfig.bad.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          noEmit: true,
          types: ['node'],
        },
        files: ['bad.ts'],
      }),
    );
    const err = await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', join(app, 'tsconfig.bad.json')], {
      cwd: app,
    }).catch((e) => e);
    expect(err.stdout).toMatch(/bad\.ts.*Type 'string' is not assignable to type 'number'/s);
  });

  it('works with require() from CommonJS', async () => {
    await writeFile(
      join(app, 'app.cjs'),
      `const { createClient } = require('@pantry/client');\nconst c = createClient(process.env.PANTRY_ADDRESS, process.env.PANTRY_CERT_DIR);\nc.hello.hello({ name: 'cjs' }).then((r) => { console.log(r.message); c.close(); });\n`,
    );
    const { stdout } = await run(process.execPath, [join(app, 'app.cjs')], {
      cwd: app,
      env: { ...process.env, PANTRY_ADDRESS: stack.address, PANTRY_CERT_DIR: stack.certDir },
    });
    expect(stdout.trim()).toBe('Hello, cjs!');
  });

  it('starts its harness behind real Envoy from the installed package (no envoy on PATH) and calls through it', async () => {
    await writeFile(
      join(app, 'harness.mjs'),
      `import { createClient } from '@pantry/client';
import { startPantryStack, ENVOY_VERSION } from '@pantry/client/testing';
const stack = await startPantryStack({ runtime: 'process' });
const client = createClient(stack.address, stack.certDir);
const { message } = await client.hello.hello({ name: 'packed' });
console.log(stack.proxy, ENVOY_VERSION, stack.tls.alpn, message);
client.close();
await stack.stop();
`,
    );
    const path = (process.env.PATH ?? '')
      .split(':')
      .filter((d) => !/envoy/.test(d))
      .join(':');
    const { stdout } = await run(process.execPath, [join(app, 'harness.mjs')], {
      cwd: app,
      env: { ...process.env, PATH: path, PANTRY_ENVOY_BIN: '', PANTRY_SERVER_BIN: '' },
      timeout: 180_000,
    });
    expect(stdout.trim().split('\n').pop()).toBe('envoy 1.40.0 h2 Hello, packed!');
  }, 200_000);

  it('ships a working pantry-client command', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'pantry-client'), ['--help']);
    expect(`${stdout}`).toMatch(/dev-certs/);
  });
});
