// `npm run demo`: starts the Go reference server with direct mutual TLS on a free loopback port,
// with fresh dev certificates, runs the quickstart against it, and tears everything down.
// With PANTRY_ADDRESS set it runs the quickstart against that server instead.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPantryStack } from '@pantry/client/testing';

const quickstart = fileURLToPath(new URL('./quickstart.ts', import.meta.url));
const runQuickstart = (env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', quickstart], { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

if (process.env.PANTRY_ADDRESS) {
  console.log(`Running the quickstart against ${process.env.PANTRY_ADDRESS}`);
  process.exit(runQuickstart({}));
}

let stack;
try {
  console.log('Starting the Go reference server with mutual TLS (building it first if needed)…');
  stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
} catch (err) {
  console.error(`\nThe demo could not start the Go server: ${(err as Error).message}`);
  console.error('\nTo run the quickstart against a server you already have:');
  console.error('  PANTRY_ADDRESS=host:port PANTRY_CERT_DIR=./certs npm run demo');
  process.exit(1);
}
// Dial by name: the dev server certificate names localhost, and TLS sends no IP address as SNI.
const address = stack.address.replace('127.0.0.1', 'localhost');
console.log(`Server on ${address}, certificates in ${stack.certDir}\n`);
const status = runQuickstart({ PANTRY_ADDRESS: address, PANTRY_CERT_DIR: stack.certDir });
await stack.stop();
process.exit(status);
