import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPantryStack, writeDevCertificates, type PantryStack } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { execScanned, tempCerts } from '../helpers.js';

// Dialling an IP address (the harness's 127.0.0.1:port) sends no SNI, so Node prints no DEP0123
// warning, and the server certificate must still name that IP address in its subjectAltName.
let certs: Awaited<ReturnType<typeof tempCerts>>;
let withIp: PantryStack;
let dnsOnly: PantryStack;

beforeAll(async () => {
  certs = await tempCerts(); // server certificate for localhost and 127.0.0.1
  const dnsOnlyDir = join(certs.root, 'dns-only');
  await writeDevCertificates(dnsOnlyDir, { serverNames: ['localhost'] });
  [withIp, dnsOnly] = await Promise.all([
    startPantryStack({ runtime: 'process', certDir: certs.dir }),
    startPantryStack({ runtime: 'process', certDir: dnsOnlyDir }),
  ]);
});

afterAll(async () => {
  await Promise.all([withIp?.stop(), dnsOnly?.stop()]);
  await certs?.cleanup();
});

function dial(address: string, certDir: string, raw = false) {
  return execScanned(
    process.execPath,
    [
      join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(PACKAGE_ROOT, 'test', 'fixtures', 'dial-ip.ts'),
    ],
    { env: { ...process.env, PANTRY_ADDRESS: address, PANTRY_CERT_DIR: certDir, RAW_GRPC: raw ? '1' : '0' } },
  );
}

describe('an IP-address target', () => {
  it('is dialled without DEP0123 and verified against the IP SAN', async () => {
    expect(withIp.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const { stdout, stderr } = await dial(withIp.address, certs.dir);
    expect(stdout.trim()).toBe('Hello, ip!');
    expect(stderr).not.toMatch(/DEP0123|servername/i);
  });

  it('the control: plain grpc-js credentials to the same IP do trigger DEP0123', async () => {
    const { stdout, stderr } = await dial(withIp.address, certs.dir, true);
    expect(stdout.trim()).toBe('raw: ready');
    expect(stderr).toMatch(/DEP0123/);
  });

  it('refuses a server certificate that does not name the IP address', async () => {
    const { stdout, stderr } = await dial(dnsOnly.address, join(certs.root, 'dns-only'));
    expect(stdout).toMatch(/^UNAVAILABLE: .*IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(stderr).not.toMatch(/DEP0123/);
  });
});
