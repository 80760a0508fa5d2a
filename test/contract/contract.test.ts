import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PantryClient } from '../../src/index.js';
import { createFakePantry, type FakePantry, startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { CASES } from './cases.js';

// The contract of the fake: every case of cases.ts runs against the Go server (mutual TLS straight
// to it, fault injection on) and against createFakePantry() (fault metadata on), in the same
// order from an empty store, and the two must observe exactly the same: codes, raw messages,
// decoded details, pushback trailers, pantry-* headers, page contents and stream messages.
let stack: PantryStack | undefined;
let fake: FakePantry | undefined;
let goClient: PantryClient | undefined;
let fakeClient: PantryClient | undefined;

beforeAll(async () => {
  [stack, fake] = await Promise.all([
    startPantryStack({ runtime: 'process', proxy: 'none', faultInjection: true }),
    createFakePantry({ faultInjection: true }),
  ]);
  goClient = createClient(stack.address, stack.certDir, { retry: false });
  fakeClient = createClient(fake.address, fake.certDir, { retry: false });
});

afterAll(async () => {
  goClient?.close();
  fakeClient?.close();
  await Promise.all([stack?.stop(), fake?.close()]);
});

describe('contract: the fake answers as the Go server', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const go = await c.run(goClient!);
      const faked = await c.run(fakeClient!);
      c.check(go as never); // the Go server does what the case is about…
      expect(faked).toEqual(go); // …and the fake observes the same
    });
  }
});

describe('contract: tools see the fake as the Go server', () => {
  it('pantry-client doctor passes the same steps (gRPC health included) on both', async () => {
    const steps = async (address: string, certDir: string) =>
      (await runDoctor({ address, certDir })).steps.map((s) => [s.name, s.status]);
    const go = await steps(stack!.address, stack!.certDir);
    expect(go.map(([, status]) => status)).not.toContain('fail');
    expect(go).toContainEqual(['gRPC health', 'pass']);
    expect(await steps(fake!.address, fake!.certDir)).toEqual(go);
  });

  it('gRPC health: SERVING for the server and each service, NOT_FOUND "unknown service" for another', async () => {
    const check = (address: string, certDir: string, service: string) => {
      const pem = (f: string) => readFileSync(join(certDir, f));
      const creds = credentials.createSsl(pem('ca.crt'), pem('client.key'), pem('client.crt'));
      const client = new Client(address, creds, { 'grpc.ssl_target_name_override': 'localhost' });
      const request = Buffer.concat([Buffer.from([10, Buffer.byteLength(service)]), Buffer.from(service)]);
      return new Promise<string>((resolve) =>
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          (err, res) => {
            client.close();
            resolve(err ? `${err.code} ${err.details}` : `status ${res?.toString('hex')}`);
          },
        ),
      );
    };
    const services = ['', 'pantry.v1.FoodStorageService', 'hello.v1.HelloService', 'nope.v1.Nothing'];
    const go = await Promise.all(services.map((s) => check(stack!.address, stack!.certDir, s)));
    expect(go).toEqual(['status 0801', 'status 0801', 'status 0801', '5 unknown service']);
    expect(await Promise.all(services.map((s) => check(fake!.address, fake!.certDir, s)))).toEqual(go);
  });
});
