import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CDP from 'chrome-remote-interface';
import { build } from 'esbuild';
import { which } from '../../src/testing/which.js';

/** Chromium's managed policies on Linux (root-owned; the tests run as root in CI). */
const POLICY_DIR = '/etc/chromium/policies/managed';

/**
 * Whether headless Chromium and the NSS tools are here. Outside CI a missing one skips the
 * browser tests with one line; with CI=true they run, and fail.
 */
export function haveChromium(file: string): boolean {
  const have = which('chromium') !== undefined && which('certutil') !== undefined && which('pk12util') !== undefined;
  if (have || process.env.CI) return true;
  console.warn(
    `${file}: skipping the browser tests: they need Debian's chromium and libnss3-tools (apt-get install chromium libnss3-tools)`,
  );
  return false;
}

/** The browser bundle of `entry` (esbuild, platform browser): fails on any Node built-in. */
export async function bundle(entry: string, minify = false): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    minify,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Serves `files` (path → [content type, body]) on a localhost port: the page's origin. */
export async function servePage(files: Record<string, [string, string]>): Promise<{ origin: string; close(): void }> {
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]!];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { origin: `http://localhost:${port}`, close: () => server.close() };
}

/** A page in headless Chromium, driven over the DevTools protocol. */
export interface BrowserPage {
  /** Evaluates `body` (the body of an async function) in the page and returns its JSON value. */
  run<T = unknown>(body: string): Promise<T>;
  /** Navigates and waits for the load event. */
  open(url: string): Promise<void>;
  /** A PNG screenshot of the page. */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Starts Debian's Chromium headless with its own HOME: an NSS database that trusts the stack's
 * CA and holds its client certificate, and a managed policy that presents it to `mtlsOrigin`
 * without the certificate picker.
 */
export async function launchChromium(certDir: string, mtlsOrigin: string): Promise<BrowserPage> {
  const home = mkdtempSync(join(tmpdir(), 'pantry-chromium-'));
  const nss = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
  run('certutil', ['-N', '-d', nss, '--empty-password']);
  run('certutil', ['-A', '-d', nss, '-n', 'pantry dev CA', '-t', 'C,,', '-i', join(certDir, 'ca.crt')]);
  const p12 = join(home, 'client.p12');
  run('openssl', [
    'pkcs12',
    '-export',
    '-in',
    join(certDir, 'client.crt'),
    '-inkey',
    join(certDir, 'client.key'),
    '-certfile',
    join(certDir, 'ca.crt'),
    '-passout',
    'pass:',
    '-out',
    p12,
  ]);
  run('pk12util', ['-i', p12, '-d', nss, '-W', '']);
  rmSync(p12);
  const policy = join(POLICY_DIR, `pantry-test-${process.pid}-${Date.now()}.json`);
  mkdirSync(POLICY_DIR, { recursive: true });
  const pattern = JSON.stringify({ pattern: mtlsOrigin, filter: { ISSUER: { CN: 'pantry dev CA' } } });
  writeFileSync(policy, JSON.stringify({ AutoSelectCertificateForUrls: [pattern] }));

  const chromium: ChildProcess = spawn(
    'chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${join(home, 'profile')}`,
      '--window-size=900,700',
      'about:blank',
    ],
    // Its own process group, so that its helpers (zygote, renderers, GPU) end with it.
    { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((r) => chromium.once('exit', () => r()));
  const cleanup = async () => {
    rmSync(policy, { force: true });
    if (chromium.exitCode === null && chromium.signalCode === null) {
      chromium.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    try {
      process.kill(-chromium.pid!, 'SIGKILL'); // whatever of its group is left
    } catch {
      // the group is gone already
    }
    await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(
        () => reject(new Error(`chromium did not start within 30 s: ${err.slice(-2000)}`)),
        30_000,
      );
      chromium.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      chromium.once('exit', (code) => reject(new Error(`chromium exited with ${code}: ${err.slice(-2000)}`)));
    });
    const target = (await CDP.List({ host: '127.0.0.1', port })).find((t) => t.type === 'page');
    if (!target) throw new Error('chromium has no page target');
    const cdp = await CDP({ host: '127.0.0.1', port, target: target.id });
    await cdp.send('Page.enable');
    await cdp.send('Runtime.enable');
    return {
      async run<T>(body: string): Promise<T> {
        const res = (await cdp.send('Runtime.evaluate', {
          expression: `(async () => { ${body} })()`,
          awaitPromise: true,
          returnByValue: true,
        })) as {
          result: { value?: unknown };
          exceptionDetails?: { exception?: { description?: string }; text: string };
        };
        if (res.exceptionDetails)
          throw new Error(`in the page: ${res.exceptionDetails.exception?.description ?? res.exceptionDetails.text}`);
        return res.result.value as T;
      },
      async open(url: string) {
        const loaded = new Promise<void>((r) => cdp.on('Page.loadEventFired', () => r()));
        await cdp.send('Page.navigate', { url });
        await loaded;
      },
      async screenshot() {
        const { data } = (await cdp.send('Page.captureScreenshot', { format: 'png' })) as { data: string };
        return Buffer.from(data, 'base64');
      },
      async close() {
        await cdp.close().catch(() => {});
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
