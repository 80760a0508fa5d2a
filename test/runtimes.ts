import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The JavaScript runtimes the packed package is tried on, pinned. Each comes from the npm registry
// (Node's binaries as node-<os>-<cpu>, Bun as bun, Deno as deno) and is installed once, with npm,
// into the cache: ${XDG_CACHE_HOME:-~/.cache}/pantry-client/<name>-<version>.
// `tsx test/runtimes.ts node-22` prints the binary's path (installing it first): .ci/run uses it.
const run = promisify(execFile);

const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;
const NODE_BIN = `node_modules/${NODE_PACKAGE}/bin/node`;

export const RUNTIMES = {
  'node-22': { pkg: NODE_PACKAGE, version: '22.23.5', bin: NODE_BIN },
  'node-24': { pkg: NODE_PACKAGE, version: '24.22.3', bin: NODE_BIN },
  'node-26': { pkg: NODE_PACKAGE, version: '26.12.1', bin: NODE_BIN },
  bun: { pkg: 'bun', version: '1.4.5', bin: 'node_modules/.bin/bun' },
  deno: { pkg: 'deno', version: '2.9.6', bin: 'node_modules/.bin/deno' },
} as const;

export type RuntimeName = keyof typeof RUNTIMES;

const cacheRoot = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pantry-client');

/** The path of the pinned runtime's binary, installed into the cache when it is not there yet. */
export async function runtimeBinary(name: RuntimeName): Promise<string> {
  const { pkg, version, bin } = RUNTIMES[name];
  const dir = join(cacheRoot(), `${name.replace(/-\d+$/, '')}-${version}`);
  const path = join(dir, bin);
  if (!existsSync(path)) {
    // Into a private directory first, then renamed: a half-done install is never taken for a whole one.
    const partial = `${dir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    // bun and deno fetch their platform binary in a postinstall script: scripts must run.
    await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', partial, `${pkg}@${version}`], {
      maxBuffer: 16 << 20,
    });
    await rename(partial, dir).catch(async (err) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(path)) throw err; // another process installed it meanwhile: use that one
    });
  }
  const { stdout } = await run(path, ['--version']);
  if (!stdout.includes(version)) throw new Error(`${path} --version answered ${stdout.trim()}, not ${version}`);
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2] as RuntimeName;
  if (!(name in RUNTIMES)) {
    console.error(`usage: tsx test/runtimes.ts ${Object.keys(RUNTIMES).join('|')}`);
    process.exit(2);
  }
  console.log(await runtimeBinary(name));
}
