import { readFile } from 'node:fs/promises';
import {
  GenericContainer,
  getContainerRuntimeClient,
  Network,
  Wait,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import { buildLocalBinaryImage, buildServerImage, removeImage } from './docker-images.js';
import type { RuntimeRequest, RuntimeStack } from './types.js';
import { logSink } from '../log-sink.js';
import { freePort } from '../ports.js';
import { PROXIES } from '../proxy-spec.js';

const SERVER_PORT = 9090;
const SERVER_ALIAS = 'server';
const CERTS = '/etc/pantry/certs';

/**
 * Resolves true when a Docker engine answers (testcontainers' own discovery: `DOCKER_HOST`,
 * the default socket, …) within a few seconds.
 *
 * @example
 * if (!(await dockerAvailable())) console.log('no Docker engine: using the process runtime');
 */
export async function dockerAvailable(timeoutMs = 5000): Promise<boolean> {
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  return Promise.race([probe, timeout]);
}

/**
 * The stack in containers through testcontainers: a user network; the Go server from a
 * `FROM scratch` image, reached by the proxy under the alias `server`; the proxy (an image built
 * from the local Envoy or HAProxy binary, or `PANTRY_ENVOY_IMAGE`) publishing its TLS port.
 *
 * @example
 * const parts = await startDockerStack({ proxy: 'haproxy', proxyCertDir, workDir, serverArgs: [] });
 */
export async function startDockerStack(req: RuntimeRequest): Promise<RuntimeStack> {
  if (!(await dockerAvailable())) {
    throw new Error(
      'startPantryStack: runtime "docker" needs a Docker engine and none answers. Start one (e.g. `dockerd &`, or Docker Desktop) and set DOCKER_HOST if its socket is not the default; or use runtime: "process"',
    );
  }
  const spec = req.proxy === 'none' ? undefined : PROXIES[req.proxy];
  const images: string[] = [];
  const containers: StartedTestContainer[] = [];
  let network: StartedNetwork | undefined;
  const cleanup = async () => {
    await Promise.all(containers.map((c) => c.stop({ remove: true, timeout: 2000 }).catch(() => {})));
    await network?.stop().catch(() => {});
    await Promise.all(images.map(removeImage));
  };
  try {
    network = await new Network().start();
    const serverImage = await buildServerImage();
    images.push(serverImage);
    const tls = spec
      ? []
      : ['-tls-cert', `${CERTS}/server.crt`, '-tls-key', `${CERTS}/server.key`, '-client-ca', `${CERTS}/ca.crt`];
    let server = new GenericContainer(serverImage)
      .withNetwork(network)
      .withNetworkAliases(SERVER_ALIAS)
      .withCommand([
        '-listen',
        `0.0.0.0:${SERVER_PORT}`,
        ...tls,
        ...(req.dataDir ? ['-data-file', '/data/pantry.jsonl'] : []),
        ...req.serverArgs,
      ])
      .withWaitStrategy(Wait.forLogMessage(/pantry-server serving on/))
      .withStartupTimeout(30_000);
    // Fixed host ports, so a restarted container comes back at the same address.
    server = server.withExposedPorts({ container: SERVER_PORT, host: await freePort() });
    server = server.withBindMounts([
      ...(spec ? [] : [{ source: req.proxyCertDir, target: CERTS, mode: 'ro' as const }]),
      ...(req.dataDir ? [{ source: req.dataDir, target: '/data', mode: 'rw' as const }] : []),
    ]);
    const serverContainer = await server.start();
    containers.push(serverContainer);

    let proxyContainer: StartedTestContainer | undefined;
    if (spec) {
      const wanted = spec.image();
      let image = wanted.name;
      if (wanted.build) {
        image = await buildLocalBinaryImage(wanted.name, await spec.binary());
        images.push(image);
      }
      const endpoints = {
        listen: `0.0.0.0:${spec.containerPort}`,
        upstream: `${SERVER_ALIAS}:${SERVER_PORT}`,
        certs: spec.containerCerts,
        admin: '127.0.0.1:9901',
      };
      const config = spec.render(await readFile(req.proxyConfig ?? spec.config, 'utf8'), endpoints);
      const proxy = new GenericContainer(image)
        .withNetwork(network)
        .withExposedPorts({ container: spec.containerPort, host: await freePort() })
        .withEnvironment(spec.env(endpoints))
        .withCopyContentToContainer([{ content: config, target: spec.containerConfig }])
        .withBindMounts([{ source: req.proxyCertDir, target: spec.containerCerts, mode: 'ro' }])
        .withCommand(spec.args(spec.containerConfig))
        // Images without a shell cannot be port-checked from inside: wait for the proxy's ready line.
        .withWaitStrategy(Wait.forLogMessage(spec.ready))
        .withStartupTimeout(30_000);
      try {
        proxyContainer = await proxy.start();
      } catch (err) {
        if (!wanted.build)
          throw new Error(
            `startPantryStack: could not start ${spec.kind} from image ${image} (PANTRY_ENVOY_IMAGE): ${(err as Error).message}. Machines without registry access cannot pull it; unset PANTRY_ENVOY_IMAGE to build the image from the local Envoy binary`,
          );
        throw err;
      }
      containers.push(proxyContainer);
    }
    const front = proxyContainer ?? serverContainer;
    const frontPort = front.getMappedPort(spec ? spec.containerPort : SERVER_PORT);
    const host = front.getHost() === 'localhost' ? '127.0.0.1' : front.getHost();
    const logs: string[] = [];
    const sink = logSink('docker-stack');
    const follow = async (name: string, c: StartedTestContainer, since?: number) =>
      (await c.logs(since ? { since } : undefined)).on('data', (line: Buffer | string) => {
        logs.push(`[${name}] ${String(line).trimEnd()}`);
        sink(logs[logs.length - 1]);
      });
    await follow('server', serverContainer);
    if (proxyContainer && spec) await follow(spec.kind, proxyContainer);
    const dockerode = (await getContainerRuntimeClient()).container.dockerode;
    const part = (name: 'server' | 'proxy') => {
      const c = name === 'server' ? serverContainer : proxyContainer;
      if (!c) throw new Error('this stack has no proxy (proxy: "none")');
      return { c, logName: name === 'server' ? 'server' : spec!.kind, container: dockerode.getContainer(c.getId()) };
    };
    const runtime: RuntimeStack = {
      address: `${host}:${frontPort}`,
      serverAddress: `${host}:${serverContainer.getMappedPort(SERVER_PORT)}`,
      logs: () => logs.join('\n'),
      async kill(name) {
        await part(name)
          .container.kill()
          .catch(() => {});
      },
      async start(name) {
        const { c, logName, container } = part(name);
        const from = logs.length;
        const since = Math.floor(Date.now() / 1000);
        await container.start();
        await follow(logName, c, since); // the old log stream ended with the container
        // docker-proxy accepts on the host port before the process listens: wait for its ready line.
        await waitForLog(logs, from, name === 'server' ? /serving on/ : spec!.ready, 10_000);
      },
      async gracefulRestartProxy() {
        // In a container: SIGTERM (docker stop), then a start.
        await part('proxy')
          .container.stop({ t: 5 })
          .catch(() => {});
        await runtime.start('proxy');
      },
      stop: cleanup,
    };
    return runtime;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function waitForLog(logs: string[], from: number, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!logs.slice(from).some((l) => pattern.test(l))) {
    if (Date.now() > until) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
