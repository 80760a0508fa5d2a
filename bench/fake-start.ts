// `npx tsx bench/fake-start.ts`: how long createFakePantry() takes to start, to answer its first
// Hello (the mutual TLS handshake included) and to close; medians of 20 runs after a warm-up, with
// a given certDir and with fresh dev certificates (the default).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/index.js';
import { createFakePantry, type FakePantryOptions, writeDevCertificates } from '../src/testing/index.js';

const RUNS = 20;
const root = await mkdtemp(join(tmpdir(), 'pantry-fake-bench-'));
const certs = await writeDevCertificates(join(root, 'certs'));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(1);

const modes: [string, FakePantryOptions][] = [
  ['certDir given', { certDir: certs.dir }],
  ['fresh dev certificates', {}],
];
for (const [label, options] of modes) {
  const start: number[] = [];
  const firstHello: number[] = [];
  const close: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    const fake = await createFakePantry(options);
    const t1 = performance.now();
    const client = createClient(fake.address, fake.certDir);
    await client.hello.hello({});
    const t2 = performance.now();
    client.close();
    await fake.close();
    const t3 = performance.now();
    if (i === 0) continue; // warm-up: module loading
    start.push(t1 - t0);
    firstHello.push(t2 - t1);
    close.push(t3 - t2);
  }
  console.log(
    `${label}: start ${median(start)} ms, first Hello ${median(firstHello)} ms, close ${median(close)} ms (median of ${RUNS})`,
  );
}
await rm(root, { recursive: true, force: true });
