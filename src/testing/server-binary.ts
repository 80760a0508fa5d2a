import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The package's root: `src/testing/` and `dist/testing/` both sit two levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Go reference server's module. */
export const SERVER_DIR = join(PACKAGE_ROOT, 'server');
/** Proxy configurations (`deploy/envoy`, `deploy/haproxy`). */
export const DEPLOY_DIR = join(PACKAGE_ROOT, 'deploy');

let building: Promise<string> | undefined;

/**
 * Returns the path of a static `pantry-server` binary: `PANTRY_SERVER_BIN` when set, else one
 * built from `server/` with the Go toolchain (`CGO_ENABLED=0`, so it also runs in a `FROM scratch`
 * image). Go's build cache makes a rebuild take about a second.
 *
 * @example
 * const bin = await pantryServerBinary();
 */
export function pantryServerBinary(): Promise<string> {
  const given = process.env.PANTRY_SERVER_BIN;
  if (given) {
    if (!existsSync(given))
      return Promise.reject(
        new Error(
          `PANTRY_SERVER_BIN=${given}: no such file. Build one with: cd server && CGO_ENABLED=0 go build -o bin/pantry-server ./cmd/pantry-server`,
        ),
      );
    return Promise.resolve(given);
  }
  building ??= build().catch((err) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function build(): Promise<string> {
  if (!existsSync(join(SERVER_DIR, 'go.mod')))
    throw new Error(
      `the Go server sources are missing at ${SERVER_DIR}; set PANTRY_SERVER_BIN to a pantry-server binary`,
    );
  const go = process.env.GO ?? 'go';
  try {
    await run(go, ['version']);
  } catch {
    throw new Error(
      'the Go toolchain (go) is not on PATH: install Go 1.24 or later, or set PANTRY_SERVER_BIN to a prebuilt pantry-server binary, or use runtime: "docker" with a prebuilt image',
    );
  }
  // One binary per checkout: two checkouts (worktrees, CI jobs) on one machine must not replace
  // each other's binary, which a restarted server process would run.
  const checkout = createHash('sha256').update(SERVER_DIR).digest('hex').slice(0, 12);
  const outDir = join(tmpdir(), 'pantry-client-server', checkout);
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, 'pantry-server');
  const partial = `${out}.${process.pid}.${Date.now()}`;
  try {
    await run(go, ['build', '-trimpath', '-o', partial, './cmd/pantry-server'], {
      cwd: SERVER_DIR,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`building the Go server failed:\n${(err as { stderr?: string }).stderr ?? err}`);
  }
  await rename(partial, out); // atomic: parallel test workers never see a half-written binary
  return out;
}
