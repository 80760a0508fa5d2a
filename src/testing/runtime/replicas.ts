import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import type { RuntimePart, RuntimeRequest, RuntimeStack } from './types.js';
import { withReplicas } from '../envoy-replicas.js';
import { freePort } from '../ports.js';
import { PROXIES } from '../proxy-spec.js';
import { pantryServerBinary } from '../server-binary.js';

const SERVING = /pantry-server serving on (\S+)/;

/**
 * Loopback address of replica `i` (0-based): 127.0.0.2, 127.0.0.3, …
 *
 * @example
 * replicaHost(0) // '127.0.0.2'
 */
export const replicaHost = (i: number) => `127.0.0.${2 + i}`;
/**
 * Loopback address of proxy `j` (0-based): 127.0.1.1, 127.0.1.2, …
 *
 * @example
 * proxyHost(1) // '127.0.1.2'
 */
export const proxyHost = (j: number) => `127.0.1.${1 + j}`;

/**
 * N Go replicas behind M Envoys as local processes, as a Deployment behind Envoy pods: every
 * replica on its own loopback address (127.0.0.2, 127.0.0.3, …, one port), sharing one SQLite
 * database (`-db sqlite:…`, so request_id dedupe holds across replicas) and telling which
 * replica answered (`-replica-id r1`, `r2`, …; with `-log-requests`, one log line per call);
 * every Envoy on its own loopback address (127.0.1.1, 127.0.1.2, …, one port), its cluster listing
 * every replica with gRPC health checks and outlier detection ({@link withReplicas}). Linux routes
 * all of 127/8 to the loopback interface; other systems need the aliases added first.
 *
 * @example
 * const parts = await startReplicaStack({ proxy: 'envoy', proxyCertDir, workDir, serverArgs: [], replicas: 3, proxies: 2 });
 */
export async function startReplicaStack(req: RuntimeRequest): Promise<RuntimeStack> {
  if (req.proxy !== 'envoy')
    throw new Error(`startPantryStack: replicas and proxies need proxy: 'envoy', got ${JSON.stringify(req.proxy)}`);
  const spec = PROXIES.envoy;
  const n = req.replicas ?? 1;
  const m = req.proxies ?? 1;
  const [envoy, bin] = await Promise.all([spec.binary(), pantryServerBinary()]);
  const replicaPort = await portFreeOn(Array.from({ length: n }, (_, i) => replicaHost(i)));
  const proxyPort = await portFreeOn(Array.from({ length: m }, (_, j) => proxyHost(j)));
  const db = req.database ?? `sqlite:${join(req.dataDir ?? req.workDir, 'pantry.db')}`;
  const processes: ManagedProcess[] = [];
  const upstreams = Array.from({ length: n }, (_, i) => `${replicaHost(i)}:${replicaPort}`);
  try {
    // The first replica creates the tables; the others start once it serves.
    const servers: ManagedProcess[] = [];
    for (let i = 0; i < n; i++) {
      const args = ['-listen', upstreams[i], '-db', db, '-replica-id', `r${i + 1}`, '-log-requests', ...req.serverArgs];
      const server = new ManagedProcess(`server-r${i + 1}`, bin, args, { ready: SERVING });
      servers.push(server);
      processes.push(server);
      if (i === 0) await server.started;
    }
    await Promise.all(servers.map((s) => s.started));

    const proxies = await Promise.all(
      Array.from({ length: m }, async (_, j) => {
        const endpoints = {
          listen: `${proxyHost(j)}:${proxyPort}`,
          upstream: upstreams[0],
          certs: req.proxyCertDir,
          admin: `127.0.0.1:${await freePort()}`,
          // The browser (JWT) listener of the shipped config: a port of its own per Envoy.
          browserListen: `127.0.0.1:${await freePort()}`,
        };
        const config = join(req.workDir, `envoy-${j + 1}.yaml`);
        const shipped = await readFile(req.proxyConfig ?? spec.config, 'utf8');
        await writeFile(config, withReplicas(spec.render(shipped, endpoints), upstreams));
        // Draining stops at once (GOAWAY on every connection's next response), not gradually.
        const args = [
          ...spec.args(config, { baseIdFile: join(req.workDir, `envoy-${j + 1}-base-id`) }),
          '--drain-strategy',
          'immediate',
        ];
        const proxy = new ManagedProcess(`envoy-${j + 1}`, envoy, args, { ready: spec.ready });
        processes.push(proxy);
        await proxy.started;
        return { proxy, endpoints };
      }),
    );
    // Every replica healthy in every Envoy before the stack is handed out.
    await Promise.all(
      upstreams.map((u) =>
        healthyEverywhere(
          u,
          proxies.map((p) => p.endpoints.admin),
        ),
      ),
    );

    const admins = proxies.map((p) => p.endpoints.admin);
    const replicaParts: RuntimePart[] = servers.map((s, i) => ({
      address: upstreams[i],
      logs: () => s.logLines().join('\n'),
      kill: () => s.stop({ kill: true }),
      stop: () => s.stop({ graceMs: 10_000 }),
      start: async () => {
        await s.start();
        await healthyEverywhere(upstreams[i], admins);
      },
    }));
    const proxyParts: RuntimePart[] = proxies.map(({ proxy, endpoints }) => ({
      address: endpoints.listen,
      admin: endpoints.admin,
      logs: () => proxy.logLines().join('\n'),
      kill: () => proxy.stop({ kill: true }),
      // As a pod's preStop hook does: drain (GOAWAY on every connection, the listener closes after
      // --drain-time-s), then SIGTERM.
      stop: async () => {
        await fetch(`http://${endpoints.admin}/drain_listeners?graceful`, { method: 'POST' }).catch(() => {});
        await new Promise((r) => setTimeout(r, 2_500));
        await proxy.stop();
      },
      start: async () => {
        await proxy.start();
        await Promise.all(upstreams.map((u) => healthyEverywhere(u, [endpoints.admin])));
      },
    }));
    const part = (name: 'server' | 'proxy') => (name === 'server' ? replicaParts[0] : proxyParts[0]);
    return {
      address: proxies[0].endpoints.listen,
      serverAddress: upstreams[0],
      proxyAdmin: proxies[0].endpoints.admin,
      replicas: replicaParts,
      proxies: proxyParts,
      logs: () => processes.flatMap((p) => p.logLines()).join('\n'),
      kill: (name) => part(name).kill(),
      start: (name) => part(name).start(),
      async gracefulRestartProxy() {
        await proxyParts[0].stop();
        await proxyParts[0].start();
      },
      async stop() {
        await Promise.all(processes.map((p) => p.stop()));
      },
    };
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop({ kill: true })));
    throw err;
  }
}

/** Resolves once every Envoy (by admin address) reports `upstream` healthy; at most `timeoutMs`. */
async function healthyEverywhere(upstream: string, admins: readonly string[], timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (const admin of admins) {
    for (;;) {
      const text = await fetch(`http://${admin}/clusters`)
        .then((r) => r.text())
        .catch(() => '');
      if (text.includes(`pantry_grpc::${upstream}::health_flags::healthy`)) break;
      if (Date.now() > until)
        throw new Error(`replica ${upstream} is not healthy in the Envoy with admin ${admin} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A port free on every one of `hosts` a moment ago (loopback aliases). */
async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if ((await Promise.all(hosts.map((h) => canListen(h, port)))).every(Boolean)) return port;
  }
  throw new Error(`startPantryStack: no port free on all of ${hosts.join(', ')}`);
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
