import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelloRequest, HelloResponse } from '../../src/generated/hello/v1/hello.js';
import {
  envoyBinary,
  ENVOY_VERSION,
  startPantryStack,
  TestTokenIssuer,
  type PantryStack,
} from '../../src/testing/index.js';
import { DEPLOY_DIR } from '../../src/testing/server-binary.js';
import { tempCerts } from '../helpers.js';

// The shipped Envoy configs checked by Envoy 1.40 itself, and what else a client meets at Envoy.
const run = promisify(execFile);
let certs: Awaited<ReturnType<typeof tempCerts>>;
let envoy: string;

beforeAll(async () => {
  [certs, envoy] = await Promise.all([tempCerts(), envoyBinary()]);
});
afterAll(async () => {
  await certs?.cleanup();
});

/** `envoy --mode validate` on a config whose certificate paths point at real files. */
async function validate(relative: string): Promise<{ ok: boolean; output: string }> {
  const config = (await readFile(join(DEPLOY_DIR, 'envoy', relative), 'utf8')).replaceAll(
    '/etc/envoy/certs',
    certs.dir,
  );
  await writeFile(join(certs.dir, 'server.pem'), '');
  await writeFile(join(certs.dir, 'jwks.json'), new TestTokenIssuer().jwks); // the JWT listener's key set
  const file = join(certs.root, relative.replaceAll('/', '-'));
  await writeFile(file, config);
  try {
    const { stdout, stderr } = await run(envoy, [
      '--mode',
      'validate',
      '-c',
      file,
      '--use-dynamic-base-id',
      '--log-level',
      'error',
    ]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe(`configs checked by Envoy ${ENVOY_VERSION} (--mode validate)`, () => {
  it.each(['envoy.yaml', 'pitfalls/no-alpn.yaml', 'pitfalls/http1-upstream.yaml'])('accepts %s', async (file) => {
    const r = await validate(file);
    expect(r.output).toMatch(/configuration '.*' OK/);
    expect(r.ok).toBe(true);
  });

  it.each([
    ['broken/article-original.yaml', /Bootstrap.*no\s+such\s+field:\s+'clusters'/],
    [
      'broken/missing-typed-config.yaml',
      /Didn't find a registered implementation for 'envoy\.filters\.http\.router' with type URL: ''/,
    ],
  ])('refuses %s with its own message', async (file, message) => {
    const r = await validate(file);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(message);
  });

  it('the compose file runs the same Envoy release the harness pins', async () => {
    const compose = await readFile(join(DEPLOY_DIR, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: envoyproxy/envoy:v${ENVOY_VERSION}`);
  });
});

describe('gRPC-Web through the grpc_web filter', () => {
  let stack: PantryStack;
  beforeAll(async () => {
    stack = await startPantryStack({ runtime: 'process' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a gRPC-Web Hello over HTTP/1.1 with mutual TLS: one data frame, then trailers with grpc-status 0', async () => {
    const message = HelloRequest.encode({ name: 'web' }).finish();
    const body = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), message]);
    body.writeUInt32BE(message.length, 1);
    const [host, port] = [stack.address.split(':')[0], Number(stack.address.split(':')[1])];
    const tls = {
      ca: await readFile(join(stack.certDir, 'ca.crt')),
      cert: await readFile(join(stack.certDir, 'client.crt')),
      key: await readFile(join(stack.certDir, 'client.key')),
    };
    const res = await new Promise<{ status: number; type: string; bytes: Buffer }>((resolve, reject) => {
      const req = request(
        {
          host,
          port,
          method: 'POST',
          path: '/hello.v1.HelloService/Hello',
          servername: 'localhost',
          ...tls,
          headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', 'content-length': body.length },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ status: r.statusCode!, type: String(r.headers['content-type']), bytes: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/grpc-web+proto');
    // Frames: flag byte (0 data, 0x80 trailers), 4-byte length, payload.
    const frames: Array<{ flag: number; payload: Buffer }> = [];
    for (let at = 0; at < res.bytes.length; ) {
      const length = res.bytes.readUInt32BE(at + 1);
      frames.push({ flag: res.bytes[at], payload: res.bytes.subarray(at + 5, at + 5 + length) });
      at += 5 + length;
    }
    expect(frames.map((f) => f.flag)).toEqual([0, 0x80]);
    expect(HelloResponse.decode(frames[0].payload)).toEqual({ message: 'Hello, web!' });
    expect(frames[1].payload.toString()).toMatch(/^grpc-status:0\r?$/m);
  });
});
