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

/** What a runtime starts; the stack adds certificates, the TLS probe and clean-up. */
export interface RuntimeStack {
  address: string;
  serverAddress: string;
  proxyAdmin?: string;
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
  /** CORS settings for browser tests (`startPantryStack({ web: true })`): allowed origins (a regex) and extra request headers. */
  cors?: { origins: string; headers: readonly string[] };
}
