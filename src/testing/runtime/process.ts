import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import type { RuntimeRequest, RuntimeStack } from './types.js';
import { freePort } from '../ports.js';
import { PROXIES } from '../proxy-spec.js';
import { pantryServerBinary } from '../server-binary.js';

const SERVING = /pantry-server serving on (\S+)/;

/**
 * The stack as local processes on loopback: the Go server binary, and Envoy (found or
 * provisioned, see `envoyBinary`) or `haproxy` from PATH in front of it, on free ports.
 *
 * @example
 * const parts = await startProcessStack({ proxy: 'haproxy', proxyCertDir, workDir, serverArgs: [] });
 */
export async function startProcessStack(req: RuntimeRequest): Promise<RuntimeStack> {
  const spec = req.proxy === 'none' ? undefined : PROXIES[req.proxy];
  const proxyBinary = spec ? await spec.binary() : undefined;
  const bin = await pantryServerBinary();
  const certs = req.proxyCertDir;
  const tlsFlags = spec
    ? []
    : [
        '-tls-cert',
        join(certs, 'server.crt'),
        '-tls-key',
        join(certs, 'server.key'),
        '-client-ca',
        join(certs, 'ca.crt'),
      ];
  // A fixed port (not 0), so a restarted server comes back where the proxy and clients expect it.
  const data = req.dataDir ? ['-data-file', join(req.dataDir, 'pantry.jsonl')] : [];
  const server = new ManagedProcess(
    'server',
    bin,
    ['-listen', `127.0.0.1:${await freePort()}`, ...tlsFlags, ...data, ...req.serverArgs],
    { ready: SERVING },
  );
  const processes: ManagedProcess[] = [server];
  try {
    const serverAddress = (await server.started)[1];
    let proxy: ManagedProcess | undefined;
    let address = serverAddress;
    let launchProxy: ((restart?: { epoch: number; baseId: string }) => Promise<void>) | undefined;
    let proxyAdmin: string | undefined;
    let browserAddress: string | undefined;
    const baseIdFile = join(req.workDir, 'envoy-base-id');
    if (spec) {
      const port = await freePort();
      address = `127.0.0.1:${port}`;
      const endpoints = {
        listen: address,
        upstream: serverAddress,
        certs,
        admin: `127.0.0.1:${await freePort()}`,
        browserListen: `127.0.0.1:${await freePort()}`,
        corsOrigins: req.cors?.origins,
        corsHeaders: req.cors?.headers,
      };
      if (spec.kind === 'envoy') {
        proxyAdmin = endpoints.admin;
        browserAddress = endpoints.browserListen;
      }
      const configPath = join(req.workDir, spec.configName);
      await writeFile(configPath, spec.render(await readFile(req.proxyConfig ?? spec.config, 'utf8'), endpoints));
      launchProxy = async (restart) => {
        const args = spec.args(configPath, { baseIdFile, ...restart });
        proxy = new ManagedProcess(spec.kind, proxyBinary!, args, { env: spec.env(endpoints), ready: spec.ready });
        processes.push(proxy);
        await proxy.started;
      };
      await launchProxy();
    }
    const part = (name: 'server' | 'proxy') => {
      if (name === 'proxy' && !proxy) throw new Error('this stack has no proxy (proxy: "none")');
      return name === 'server' ? server : proxy!;
    };
    let epoch = 0;
    return {
      address,
      serverAddress,
      proxyAdmin,
      browserAddress,
      logs: () => processes.flatMap((p) => p.logLines()).join('\n'),
      kill: (name) => part(name).stop({ kill: true }),
      start: async (name) => {
        if (name === 'server') return void (await server.start());
        part('proxy');
        epoch = 0;
        await launchProxy!(); // a new proxy, not a hot-restart child of the one that was killed
      },
      async gracefulRestartProxy() {
        const old = part('proxy');
        if (spec!.kind !== 'envoy') {
          await old.stop();
          return launchProxy!();
        }
        // Envoy's hot restart: the new process takes over the listening socket, the old one
        // drains its connections (GOAWAY) and exits: no moment without a listener.
        epoch++;
        await launchProxy!({ epoch, baseId: (await readFile(baseIdFile, 'utf8')).trim() });
        await old.exited(10_000);
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
