/**
 * The runtime contract of the harness: what `startPantryStack` asks a runtime for
 * (`RuntimeRequest`) and what a runtime hands back (`RuntimeStack`). `docker.ts` (testcontainers)
 * and `process.ts` (local processes) implement it; the stack consumes it. Types only.
 *
 * @example
 * import type { RuntimeRequest, RuntimeStack } from './types.js';
 * async function startMyStack(req: RuntimeRequest): Promise<RuntimeStack> { … }
 */
import type { ProxyKind } from '../proxy-spec.js';

/**
 * One replica or one proxy of a stack with several (`startReplicaStack`).
 *
 * @example
 * await parts.replicas![1].stop(); await parts.replicas![1].start();
 */
export interface RuntimePart {
  /** `host:port` it listens on. */
  address: string;
  /** Envoy's admin address (proxies only). */
  admin?: string;
  logs(): string;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  /** Stops it the way an operator does: a replica gets SIGTERM; an Envoy drains first, then SIGTERM. */
  stop(): Promise<void>;
  /** Starts it again on the same address; resolves once every Envoy sees it healthy (replicas) or it listens. */
  start(): Promise<void>;
}

/** What a runtime starts; the stack adds certificates, the TLS probe and clean-up. */
export interface RuntimeStack {
  address: string;
  serverAddress: string;
  proxyAdmin?: string;
  /** Replicas and proxies, with `replicas`/`proxies` requested (process runtime). */
  replicas?: RuntimePart[];
  proxies?: RuntimePart[];
  /** `host:port` of Envoy's browser (JWT) listener; process runtime with Envoy only. */
  browserAddress?: string;
  logs(): string;
  /** Kills a part at once (SIGKILL, like a crash). */
  kill(part: 'server' | 'proxy'): Promise<void>;
  /** Starts a killed part again, on the same address, and waits until it is ready. */
  start(part: 'server' | 'proxy'): Promise<void>;
  /** Restarts the proxy the way an operator does (see `PantryStack.restartProxy`). */
  gracefulRestartProxy(): Promise<void>;
  stop(): Promise<void>;
}

/** What a runtime needs to start. */
export interface RuntimeRequest {
  proxy: ProxyKind | 'none';
  proxyConfig?: string;
  /** Certificates and `server.pem`, in a directory the stack owns. */
  proxyCertDir: string;
  workDir: string;
  /** A directory for the server's data file when the store persists. */
  dataDir?: string;
  serverArgs: string[];
  /** Go replicas sharing one SQLite database, and Envoys in front of all of them; 1 each by default. */
  replicas?: number;
  proxies?: number;
  /** A `postgres://` URL the replicas share instead of a SQLite file in `dataDir`/`workDir`. */
  database?: string;
  /** CORS settings for browser tests (`startPantryStack({ web: true })`): allowed origins (a regex) and extra request headers. */
  cors?: { origins: string; headers: readonly string[] };
}
