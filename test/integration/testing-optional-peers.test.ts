import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { execScanned, tempCerts } from '../helpers.js';

// `@pantry/client/testing` as an app without its optional peers sees it: the built package
// (dist/, imported by name) in a Node whose resolution does not find testcontainers,
// @peculiar/x509 or reflect-metadata (test/fixtures/hide-peers.mjs answers ERR_MODULE_NOT_FOUND,
// as Node does for a package that is not installed). Nothing is installed or removed.
const PEERS = ['testcontainers', '@peculiar/x509', 'reflect-metadata'];
let certs: Awaited<ReturnType<typeof tempCerts>>;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')], {
    cwd: PACKAGE_ROOT,
  });
  certs = await tempCerts();
}, 180_000);

afterAll(() => certs?.cleanup());

async function app(hide: string[], steps: string[]) {
  const { stdout } = await execScanned(
    process.execPath,
    ['--import', './test/fixtures/hide-peers.mjs', './test/fixtures/testing-without-peers.mjs'],
    {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        PANTRY_HIDE_PACKAGES: hide.join(','),
        PANTRY_CERT_DIR: certs.dir,
        OUT_DIR: join(certs.root, 'out'),
        STEPS: steps.join(','),
      },
    },
  );
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((r) => [r.step, r]),
  );
}

describe('@pantry/client/testing without its optional peers', () => {
  it('imports, runs a process stack and a fake with certDir, and fails a docker stack or dev certificates naming the package', async () => {
    const r = await app(PEERS, ['process', 'docker', 'certs', 'fake']);
    for (const p of PEERS) expect(r[`hidden ${p}`]).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' }); // the premise
    expect(r.import.ok).toBe(true);
    expect(r.process.ok).toBe('Hello, no peers!');
    expect(r.docker).toMatchObject({ name: 'PantryError', code: 'FAILED_PRECONDITION' });
    expect(r.docker.message).toMatch(
      /needs the optional peer dependency testcontainers.*npm install --save-dev testcontainers/s,
    );
    expect(r.certs).toMatchObject({ name: 'PantryError', code: 'FAILED_PRECONDITION' });
    expect(r.certs.message).toMatch(/npm install --save-dev reflect-metadata/);
    // createFakePantry: serves with a given certDir; its default dev certificates name the package
    expect(r.fake.ok).toBe('Hello, a fake!');
    expect(r['fake certs']).toMatchObject({ name: 'PantryError', code: 'FAILED_PRECONDITION' });
    expect(r['fake certs'].message).toMatch(/npm install --save-dev reflect-metadata/);
  });

  it('names @peculiar/x509 when only it is missing', async () => {
    const r = await app(['@peculiar/x509'], ['certs']);
    expect(r.certs.message).toMatch(/needs the optional peer dependency @peculiar\/x509/);
  });
});
