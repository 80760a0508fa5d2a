// `npm run example:web`: the Go server behind Envoy (both listeners), a few foods, and the example
// page on http://localhost:8080 watching them over the JWT listener. A food is added every 20 s to
// show the live update. Ctrl-C stops everything.
import { createServer } from 'node:http';
import { createClient } from '@pantry/client';
import { startPantryStack } from '@pantry/client/testing';
import { examplePageFiles } from './page-files.js';

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const stack = await startPantryStack({ runtime: 'process', web: true });
const client = createClient(stack.address, stack.certDir);
for (const [name, quantity, unit, inDays] of [
  ['Bottled water 2 L', 6, 'bottle', 5],
  ['Canned mackerel', 4, 'can', 2],
  ['Rice crackers', 2, 'bag', 0],
  ['Instant noodles', 5, 'cup', -1],
] as const)
  await client.foodStorage.addFood({ food: { name, quantity, unit, bestBefore: day(inDays) } });

const files = await examplePageFiles();
const port = Number(process.env.PORT ?? 8080);
const server = createServer((req, res) => {
  const file = files[(req.url ?? '/').split('?')[0]!];
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
}).listen(port, '127.0.0.1');

const token = stack.web!.mintToken({ expiresInS: 3_600 });
const url = `http://localhost:${port}/?api=${encodeURIComponent(stack.web!.jwtUrl)}&token=${token}`;
console.log(`Open ${url}
Your browser must trust the stack's dev CA, ${stack.certDir}/ca.crt (for a quick look: chromium --ignore-certificate-errors).`);

let n = 0;
const adding = setInterval(() => {
  n += 1;
  client.foodStorage.addFood({ food: { name: `Canned beans #${n}`, quantity: 1, unit: 'can', bestBefore: day(1) } });
}, 20_000);
const stop = async () => {
  clearInterval(adding);
  server.close();
  client.close();
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', stop).once('SIGTERM', stop);
