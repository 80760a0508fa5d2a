// `npm run demo`: starts the Go reference server behind Envoy (mutual TLS, the production shape)
// on free loopback ports, with fresh dev certificates, runs the quickstart through it, and tears
// everything down. Without Envoy (and no way to install it) the server takes mutual TLS itself.
// With PANTRY_ADDRESS set it runs the quickstart against that server instead.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPantryStack, type PantryStack } from '@pantry/client/testing';

const quickstart = fileURLToPath(new URL('./quickstart.ts', import.meta.url));
const runQuickstart = (env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', quickstart], { stdio: 'inherit', env: { ...process.env, ...env } })
    .status ?? 1;

if (process.env.PANTRY_ADDRESS) {
  console.log(`Running the quickstart against ${process.env.PANTRY_ADDRESS}`);
  process.exit(runQuickstart({}));
}

let stack: PantryStack;
try {
  console.log(
    'Starting the Go reference server behind Envoy with mutual TLS (building and installing them first if needed)…',
  );
  stack = await startPantryStack({ runtime: 'process' }).catch(async (err: Error) => {
    console.log(`Envoy did not start (${err.message.split('\n')[0]}); the server takes mutual TLS itself instead.`);
    return startPantryStack({ runtime: 'process', proxy: 'none' });
  });
} catch (err) {
  console.error(`\nThe demo could not start the Go server: ${(err as Error).message}`);
  console.error('\nTo run the quickstart against a server you already have:');
  console.error('  PANTRY_ADDRESS=host:port PANTRY_CERT_DIR=./certs npm run demo');
  process.exit(1);
}
// Dial by name: the dev server certificate names localhost, and TLS sends no IP address as SNI.
const address = stack.address.replace('127.0.0.1', 'localhost');
console.log(`${stack.proxy === 'envoy' ? 'Envoy' : 'Server'} on ${address}, certificates in ${stack.certDir}\n`);
const status = runQuickstart({ PANTRY_ADDRESS: address, PANTRY_CERT_DIR: stack.certDir });
await stack.stop();
process.exit(status);
