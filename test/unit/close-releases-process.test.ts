import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { tempCerts } from '../helpers.js';

// Item 14: nothing a client starts (here with every tracer on, so the TLS probe runs) may hold the
// process open after close(), even against a peer that accepts TCP and never answers the handshake.
let certs: Awaited<ReturnType<typeof tempCerts>>;
let silent: Server;
const held: Socket[] = [];

beforeAll(async () => {
  certs = await tempCerts();
  silent = createServer((socket) => void held.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await certs.cleanup();
});

describe('close() releases the process', () => {
  it('exits promptly after close() while the TLS probe waits on a silent peer', async () => {
    const script = join(certs.root, 'close-and-exit.ts');
    await writeFile(
      script,
      `import { createClient } from ${JSON.stringify(pathToFileURL(join(PACKAGE_ROOT, 'src', 'index.ts')).href)};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = createClient({ address: process.argv[2], certDir: process.argv[3], serverName: 'localhost', trace: 'all', logger: quiet });
// Give the probe time to connect, so its socket is open and waiting when close() comes.
setTimeout(() => { client.close(); process.stdout.write('closed\\n'); }, 500);
`,
    );
    const address = silent.address() as { port: number };
    const child = spawn(
      process.execPath,
      [join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script, `127.0.0.1:${address.port}`, certs.dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closedAt = new Promise<number>((resolve) =>
      child.stdout.on('data', (d) => String(d).includes('closed') && resolve(performance.now())),
    );
    const exitedAt = new Promise<{ at: number; code: number | null }>((resolve) =>
      child.once('exit', (code) => resolve({ at: performance.now(), code })),
    );
    const [closed, exited] = await Promise.all([closedAt, exitedAt]);
    expect(stderr).toBe('');
    expect(exited.code).toBe(0);
    expect(held.length).toBeGreaterThanOrEqual(1); // the probe did reach the silent peer
    // Before the fix the probe's 5 s handshake timeout kept the process alive; now it ends with close().
    expect(exited.at - closed).toBeLessThan(2_500);
  });
});
