// Run by keepalive.test.ts in a child process with GRPC_TRACE=keepalive,transport: a client with
// the SDK's default channel settings makes calls for `loadMs`, stays idle for `idleMs`, then calls
// again on the same channel. Prints one JSON line: the calls made and whether the last succeeded.
import { createClient } from '../../src/index.js';

const [address, certDir, loadMs, idleMs] = process.argv.slice(2);
const client = createClient(address, certDir);
let calls = 0;
const loadUntil = Date.now() + Number(loadMs);
while (Date.now() < loadUntil) {
  await client.hello.hello({ name: 'load' });
  calls++;
  await new Promise((r) => setTimeout(r, 50));
}
await new Promise((r) => setTimeout(r, Number(idleMs)));
const last = await client.hello.hello({ name: 'after idle' }).then(
  (r) => r.message,
  (e: Error) => `failed: ${e.message}`,
);
client.close();
console.log(JSON.stringify({ calls, last }));
