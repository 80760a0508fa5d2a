import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { runtimeBinary } from '../runtimes.js';

// `npm pack` installed into an empty app: the ESM import type-checks under strict and calls
// Hello; require() from CommonJS works too; the tarball holds what a consumer needs and no more.
// PANTRY_TEST_NODE=/path/to/node runs npm, tsc and the app on that Node (.ci/run: once per
// supported line, binaries from test/runtimes.ts, the tarball packed once and given in
// PANTRY_TEST_TARBALL); unset, on this Node, and Bun and Deno are tried too.
const run = promisify(execFile);
const LINE = process.env.PANTRY_TEST_NODE;
const NODE = LINE || process.execPath;
const NODE_VERSION = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
const NODE_MAJOR = Number(NODE_VERSION.slice(1).split('.')[0]);
// Apps dial a host name; the certificates the harness issues name localhost. (An IP literal: its own test.)
const byName = (address: string) => address.replace(/^127\.0\.0\.1:/, 'localhost:');
// npm and the #!/usr/bin/env node scripts (tsc, pantry-client) find this Node first on PATH.
const nodeEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  PATH: `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`,
  ...extra,
});
let installLog: string;
let app: string;
let tarball: string;
let stack: PantryStack;

beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'pantry-app-'));
  if (process.env.PANTRY_TEST_TARBALL) tarball = process.env.PANTRY_TEST_TARBALL;
  else {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', app], {
      cwd: PACKAGE_ROOT,
      maxBuffer: 16 << 20,
    });
    tarball = join(app, stdout.trim().split('\n').at(-1)!);
  }
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pantry-app', private: true, type: 'module' }));
  const { devDependencies: dev } = (await import(join(PACKAGE_ROOT, 'package.json'), { with: { type: 'json' } }))
    .default as { devDependencies: Record<string, string> };
  // The harness's optional peers too, as an app testing with @pantry/client/testing installs them.
  const peers = ['typescript', '@types/node', 'testcontainers', '@peculiar/x509', 'reflect-metadata'].map(
    (p) => `${p}@${dev[p]}`,
  );
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers], {
    cwd: app,
    env: nodeEnv(),
    maxBuffer: 16 << 20,
  });
  installLog = `${installed.stdout}${installed.stderr}`;
  stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (app) await rm(app, { recursive: true, force: true });
});

describe(`the published package on Node ${NODE_VERSION}`, () => {
  it('installs without an engine warning', async () => {
    const { stdout } = await run(NODE, ['-p', 'process.version'], { cwd: app });
    expect(stdout.trim()).toBe(NODE_VERSION);
    expect(installLog).not.toMatch(/EBADENGINE/);
  });

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
    expect(files).toContain('package/LICENSE');
    expect(files.filter((f) => f.includes('pantry-load'))).toEqual([]);
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
    await run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', app], { cwd: app, env: nodeEnv() });
    const { stdout } = await run(NODE, [join(app, 'out', 'app.js')], {
      cwd: app,
      env: nodeEnv({ PANTRY_ADDRESS: byName(stack.address), PANTRY_CERT_DIR: stack.certDir }),
    });
    expect(stdout.trim()).toBe('Hello, esm! 6 PantryError');
  });

  // The same on every Node: once, not again per PANTRY_TEST_NODE line.
  if (!LINE)
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
        env: nodeEnv(),
      }).catch((e) => e);
      expect(err.stdout).toMatch(/bad\.ts.*Type 'string' is not assignable to type 'number'/s);
    });

  // grpc-js sends an IP-literal target as the TLS server name: Node 20–24 warn (DEP0123), Node 26
  // refuses it. The client sends no SNI to an IP target and checks the IP SAN instead.
  it('dials an IP-literal target, with no DEP0123 warning and no refusal', async () => {
    await writeFile(
      join(app, 'ip.mjs'),
      `import { createClient } from '@pantry/client';
const client = createClient(process.env.PANTRY_ADDRESS, process.env.PANTRY_CERT_DIR);
try { console.log((await client.hello.hello({ name: 'ip' })).message); } catch (err) { console.log(err.message); } finally { client.close(); }
`,
    );
    const { stdout, stderr } = await run(NODE, [join(app, 'ip.mjs')], {
      cwd: app,
      env: nodeEnv({ PANTRY_ADDRESS: stack.address, PANTRY_CERT_DIR: stack.certDir }),
    });
    expect(stdout.trim()).toBe('Hello, ip!');
    expect(stderr).not.toContain('DEP0123');
  });

  // @opentelemetry/api is an optional peer, not installed here: the package loads it only for `telemetry`.
  it('works without @opentelemetry/api, and telemetry: true then names the package to install', async () => {
    await writeFile(
      join(app, 'otel.mjs'),
      `import { createClient } from '@pantry/client';
const client = createClient(process.env.PANTRY_ADDRESS, process.env.PANTRY_CERT_DIR);
console.log((await client.hello.hello({ name: 'no-otel' })).message);
client.close();
try { createClient({ address: process.env.PANTRY_ADDRESS, certDir: process.env.PANTRY_CERT_DIR, telemetry: true }); }
catch (err) { console.log(err.codeName, err.message); }
`,
    );
    const { stdout } = await run(NODE, [join(app, 'otel.mjs')], {
      cwd: app,
      env: nodeEnv({ PANTRY_ADDRESS: byName(stack.address), PANTRY_CERT_DIR: stack.certDir }),
    });
    const [hello, refused] = stdout.trim().split('\n');
    expect(hello).toBe('Hello, no-otel!');
    expect(refused).toMatch(
      /^FAILED_PRECONDITION .*option telemetry needs the optional peer dependency @opentelemetry\/api/,
    );
    expect(stdout).toContain('npm install @opentelemetry/api'); // the hint, on the next line
  });

  it('works with require() from CommonJS', async () => {
    await writeFile(
      join(app, 'app.cjs'),
      `const { createClient } = require('@pantry/client');\nconst c = createClient(process.env.PANTRY_ADDRESS, process.env.PANTRY_CERT_DIR);\nc.hello.hello({ name: 'cjs' }).then((r) => { console.log(r.message, process.version); c.close(); });\n`,
    );
    const { stdout } = await run(NODE, [join(app, 'app.cjs')], {
      cwd: app,
      env: nodeEnv({ PANTRY_ADDRESS: byName(stack.address), PANTRY_CERT_DIR: stack.certDir }),
    });
    expect(stdout.trim()).toBe(`Hello, cjs! ${NODE_VERSION}`);
  });

  it('starts its harness behind real Envoy from the installed package (no envoy on PATH) and calls through it', async () => {
    await writeFile(
      join(app, 'harness.mjs'),
      `import { createClient } from '@pantry/client';
import { startPantryStack, ENVOY_VERSION } from '@pantry/client/testing';
const stack = await startPantryStack({ runtime: 'process' });
const client = createClient(stack.address.replace('127.0.0.1:', 'localhost:'), stack.certDir);
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
    const { stdout } = await run(NODE, [join(app, 'harness.mjs')], {
      cwd: app,
      env: { ...process.env, PATH: path, PANTRY_ENVOY_BIN: '', PANTRY_SERVER_BIN: '' },
      timeout: 180_000,
    });
    expect(stdout.trim().split('\n').pop()).toBe('envoy 1.40.0 h2 Hello, packed!');
  }, 200_000);

  it('ships a working pantry-client command', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'pantry-client'), ['--help'], { env: nodeEnv() });
    expect(`${stdout}`).toMatch(/dev-certs/);
  });
});

// Bun and Deno run the packed package (installed above by npm) against a process stack behind
// Envoy. What works and what does not is in the README ("Other runtimes"); these tests pin it.
// Once, on this Node only (not again for every PANTRY_TEST_NODE line).
if (!process.env.PANTRY_TEST_NODE) {
  describe('the published package under Bun and Deno', () => {
    let envoy: PantryStack;
    const bins: Partial<Record<'bun' | 'deno', string>> = {};
    const hello = `import { createClient } from '@pantry/client';
const client = createClient(process.env.PANTRY_ADDRESS, process.env.PANTRY_CERT_DIR);
try {
  const { message } = await client.hello.hello({ name: process.env.NAME });
  console.log(message);
} catch (err) {
  console.log(\`\${err.name} \${err.message}\`);
} finally {
  client.close();
}
`;
    beforeAll(async () => {
      [envoy, bins.bun, bins.deno] = await Promise.all([
        startPantryStack({ runtime: 'process' }),
        runtimeBinary('bun'),
        runtimeBinary('deno'),
      ]);
      await writeFile(join(app, 'hello.mjs'), hello);
    }, 240_000);
    afterAll(async () => {
      await envoy?.stop();
    });

    const runtimes = {
      bun: (address: string) => run(bins.bun!, [join(app, 'hello.mjs')], hostEnv(address, 'bun')),
      deno: (address: string) => run(bins.deno!, ['run', '-A', join(app, 'hello.mjs')], hostEnv(address, 'deno')),
    };
    const hostEnv = (address: string, name: string) => ({
      cwd: app,
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', PANTRY_ADDRESS: address, PANTRY_CERT_DIR: envoy.certDir, NAME: name },
    });
    const byName = () => envoy.address.replace(/^127\.0\.0\.1:/, 'localhost:');

    it.each(['bun', 'deno'] as const)('%s: Hello over mutual TLS through Envoy, to a host name', async (name) => {
      expect(envoy.proxy).toBe('envoy');
      const { stdout } = await runtimes[name](byName());
      expect(stdout.trim()).toBe(`Hello, ${name}!`);
    });

    // An IP-literal target: the client sends no SNI (Bun and Deno refuse an IP as the server name).
    it.each(['bun', 'deno'] as const)('%s: Hello over mutual TLS through Envoy, to an IP address', async (name) => {
      const { stdout } = await runtimes[name](envoy.address);
      expect(stdout.trim()).toBe(`Hello, ${name}!`);
    });
  });
}
