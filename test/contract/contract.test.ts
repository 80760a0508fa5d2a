import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PantryClient } from '../../src/index.js';
import { createFakePantry, type FakePantry, startPantryStack, type PantryStack } from '../../src/testing/index.js';
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
