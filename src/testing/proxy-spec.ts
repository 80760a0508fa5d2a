import { join } from 'node:path';
import { DEPLOY_DIR } from './server-binary.js';

/** The proxies the harness can put in front of the Go server. */
export type ProxyKind = 'envoy' | 'haproxy';

/** Where the proxy listens and what it forwards to, as the config sees it. */
export interface ProxyEndpoints {
  /** `host:port` the proxy's TLS listener binds. */
  listen: string;
  /** `host:port` of the Go server (plaintext HTTP/2). */
  upstream: string;
  /** Directory holding `ca.crt`, `server.crt`, `server.key` and `server.pem` (cert + key). */
  certs: string;
}

/**
 * Everything that differs between Envoy and HAProxy, as data: the harness has one code path
 * for both, in containers and as processes.
 */
export interface ProxySpec {
  kind: ProxyKind;
  /** Executable on PATH for the process runtime. */
  binary: string;
  /** Image for the docker runtime; `build: true` means the harness builds it from the local binary. */
  image: { name: string; build: boolean };
  /** Default configuration file. */
  config: string;
  /** Configurations that reproduce the reference article's pitfalls. */
  pitfalls: { 'no-alpn': string; 'http1-upstream': string };
  /** Where the config and the certificates go inside the container. */
  containerConfig: string;
  containerCerts: string;
  /** The TLS port inside the container. */
  containerPort: number;
  /** The command line after the binary. */
  args(configPath: string): string[];
  /** Environment for the proxy (HAProxy reads its endpoints from the environment). */
  env(endpoints: ProxyEndpoints): Record<string, string>;
  /** Rewrites the config text for endpoints other than the container defaults (Envoy has no env substitution). */
  render(config: string, endpoints: ProxyEndpoints): string;
  /** A line the proxy prints once it listens. */
  ready: RegExp;
}

/** The Envoy version the harness pulls; override with `PANTRY_ENVOY_IMAGE`. */
export const ENVOY_IMAGE = 'envoyproxy/envoy:v1.31.2';

/** The two proxies, described as data. */
export const PROXIES: Record<ProxyKind, ProxySpec> = {
  envoy: {
    kind: 'envoy',
    binary: 'envoy',
    image: { name: process.env.PANTRY_ENVOY_IMAGE ?? ENVOY_IMAGE, build: false },
    config: join(DEPLOY_DIR, 'envoy', 'envoy.yaml'),
    pitfalls: { 'no-alpn': join(DEPLOY_DIR, 'envoy', 'pitfalls', 'no-alpn.yaml'), 'http1-upstream': join(DEPLOY_DIR, 'envoy', 'pitfalls', 'http1-upstream.yaml') },
    containerConfig: '/etc/envoy/envoy.yaml',
    containerCerts: '/etc/envoy/certs',
    containerPort: 8443,
    args: (config) => ['-c', config, '--log-level', 'info'],
    env: () => ({}),
    render: (config, e) => {
      const [listenHost, listenPort] = splitHostPort(e.listen);
      const [upHost, upPort] = splitHostPort(e.upstream);
      return config
        .replaceAll('/etc/envoy/certs', e.certs)
        .replace(/address: 0\.0\.0\.0(\s+port_value: )8443/, `address: ${listenHost}$1${listenPort}`)
        .replace(/address: server(\s+port_value: )9090/, `address: ${upHost}$1${upPort}`);
    },
    ready: /starting main dispatch loop/,
  },
  haproxy: {
    kind: 'haproxy',
    binary: 'haproxy',
    image: { name: 'pantry-haproxy:local', build: true },
    config: join(DEPLOY_DIR, 'haproxy', 'haproxy.cfg'),
    pitfalls: { 'no-alpn': join(DEPLOY_DIR, 'haproxy', 'pitfalls', 'no-alpn.cfg'), 'http1-upstream': join(DEPLOY_DIR, 'haproxy', 'pitfalls', 'http1-upstream.cfg') },
    containerConfig: '/etc/haproxy/haproxy.cfg',
    containerCerts: '/etc/pantry/certs',
    containerPort: 8443,
    // -db: foreground; -V: prints its polling mechanism once the listeners are bound, our ready line.
    args: (config) => ['-db', '-V', '-f', config],
    env: (e) => ({ PANTRY_LISTEN: e.listen, PANTRY_UPSTREAM: e.upstream, PANTRY_CERTS: e.certs }),
    render: (config) => config,
    ready: /as the polling mechanism/,
  },
};

function splitHostPort(hostPort: string): [string, string] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), hostPort.slice(i + 1)];
}
