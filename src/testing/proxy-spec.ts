import { join } from 'node:path';
import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { envoyBinary } from './envoy-binary.js';
import { DEPLOY_DIR } from './server-binary.js';
import { which } from './which.js';

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
  /** `host:port` of the proxy's admin interface (Envoy), on loopback. */
  admin: string;
  /** `host:port` of Envoy's browser listener (JWT, port 8444 in the shipped config); unchanged when absent. */
  browserListen?: string;
  /** A regular expression of the page origins CORS allows, instead of the config's example origin. */
  corsOrigins?: string;
  /** Request headers CORS allows on top of the config's (e.g. the fault-injection keys). */
  corsHeaders?: readonly string[];
}

/**
 * Everything that differs between Envoy and HAProxy, as data: the harness has one code path
 * for both, in containers and as processes.
 */
export interface ProxySpec {
  kind: ProxyKind;
  /** The path of the proxy binary on this machine (Envoy is provisioned when missing). */
  binary(): Promise<string>;
  /**
   * The image for the docker runtime: `build: true` means the harness builds a `FROM scratch`
   * image from {@link ProxySpec.binary} and its shared libraries (no registry needed).
   */
  image(): { name: string; build: boolean };
  /** Default configuration file. */
  config: string;
  /** The file name the rendered config gets (Envoy picks its parser from the extension). */
  configName: string;
  /** Configurations that reproduce the reference article's pitfalls. */
  pitfalls: { 'no-alpn': string; 'http1-upstream': string };
  /** Where the config and the certificates go inside the container. */
  containerConfig: string;
  containerCerts: string;
  /** The TLS port inside the container. */
  containerPort: number;
  /**
   * The command line after the binary. For Envoy as a process, `restart` carries the hot-restart
   * state: where the dynamic base id is written, and for a hot restart the epoch and base id.
   */
  args(configPath: string, restart?: { baseIdFile: string; epoch?: number; baseId?: string }): string[];
  /** Environment for the proxy (HAProxy reads its endpoints from the environment). */
  env(endpoints: ProxyEndpoints): Record<string, string>;
  /** Rewrites the config text for the given endpoints (Envoy has no env substitution). */
  render(config: string, endpoints: ProxyEndpoints): string;
  /** A line the proxy prints once it listens. */
  ready: RegExp;
}

/** An official Envoy image to run instead of the locally built one, where registries can be reached. */
const ENVOY_IMAGE = process.env.PANTRY_ENVOY_IMAGE;

/** The two proxies, described as data. */
export const PROXIES: Record<ProxyKind, ProxySpec> = {
  envoy: {
    kind: 'envoy',
    binary: envoyBinary,
    image: () => (ENVOY_IMAGE ? { name: ENVOY_IMAGE, build: false } : { name: 'pantry-envoy', build: true }),
    config: join(DEPLOY_DIR, 'envoy', 'envoy.yaml'),
    configName: 'envoy.yaml',
    pitfalls: {
      'no-alpn': join(DEPLOY_DIR, 'envoy', 'pitfalls', 'no-alpn.yaml'),
      'http1-upstream': join(DEPLOY_DIR, 'envoy', 'pitfalls', 'http1-upstream.yaml'),
    },
    containerConfig: '/etc/envoy/envoy.yaml',
    containerCerts: '/etc/envoy/certs',
    containerPort: 8443,
    // One worker thread (2-core machines); a dynamic base id so parallel Envoys never share
    // hot-restart memory; a hot restart drains the old process for 2 s, then ends it.
    args: (config, restart) => [
      '-c',
      config,
      '--concurrency',
      '1',
      '--log-level',
      'info',
      '--drain-time-s',
      '2',
      '--parent-shutdown-time-s',
      '4',
      ...(restart?.epoch
        ? ['--base-id', restart.baseId!, '--restart-epoch', String(restart.epoch)]
        : ['--use-dynamic-base-id']),
      ...(restart && !restart.epoch ? ['--base-id-path', restart.baseIdFile] : []),
    ],
    env: () => ({}),
    render: (config, e) => {
      const [listenHost, listenPort] = splitHostPort(e.listen);
      const [upHost, upPort] = splitHostPort(e.upstream);
      const [adminHost, adminPort] = splitHostPort(e.admin);
      let out = config.replaceAll('/etc/envoy/certs', e.certs);
      // The shipped configs' addresses, each written once: admin (first: the listener may become
      // 127.0.0.1 too), listener, upstream.
      const rewrites: Array<[RegExp, string]> = [
        [/(\baddress: )127\.0\.0\.1\b/, adminHost],
        [/(\bport_value: )9901\b/, adminPort],
        [/(\baddress: )0\.0\.0\.0\b/, listenHost],
        [/(\bport_value: )8443\b/, listenPort],
        [/(\baddress: )server\b/, upHost],
        [/(\bport_value: )9090\b/, upPort],
      ];
      for (const [pattern, value] of rewrites) {
        if (!pattern.test(out))
          throw new Error(
            `startPantryStack: the Envoy config has no "${pattern.source.replace(/\\b|\\|\(|\)/g, '')}" to point at this stack; a custom proxyConfig must keep the shipped listener (0.0.0.0:8443), upstream (server:9090) and admin (127.0.0.1:9901) addresses`,
          );
        out = out.replace(pattern, `$1${value}`);
      }
      if (e.browserListen && /\bport_value: 8444\b/.test(out)) {
        const [browserHost, browserPort] = splitHostPort(e.browserListen);
        out = out
          .replace(/(\bport_value: )8444\b/, `$1${browserPort}`)
          .replace(/(\baddress: )0\.0\.0\.0\b/, `$1${browserHost}`);
      }
      if (e.corsOrigins)
        out = out.replaceAll(
          /^(\s*)- exact: "https:\/\/pantry\.example\.com"$/gm,
          (_m, indent: string) => `${indent}- safe_regex:\n${indent}    regex: '${e.corsOrigins}'`,
        );
      if (e.corsHeaders?.length)
        out = out.replaceAll(
          /allow_headers: "([^"]*)"/g,
          (_m, h: string) => `allow_headers: "${h},${e.corsHeaders!.join(',')}"`,
        );
      return out;
    },
    // After the dispatch loop starts, listeners go to the workers: this line comes once they do.
    ready: /starting workers/,
  },
  haproxy: {
    kind: 'haproxy',
    binary: () => onPath('haproxy', 'apt-get install haproxy (macOS: brew install haproxy)'),
    image: () => ({ name: 'pantry-haproxy', build: true }),
    config: join(DEPLOY_DIR, 'haproxy', 'haproxy.cfg'),
    configName: 'haproxy.cfg',
    pitfalls: {
      'no-alpn': join(DEPLOY_DIR, 'haproxy', 'pitfalls', 'no-alpn.cfg'),
      'http1-upstream': join(DEPLOY_DIR, 'haproxy', 'pitfalls', 'http1-upstream.cfg'),
    },
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

async function onPath(binary: string, install: string): Promise<string> {
  const path = which(binary);
  if (path) return path;
  throw new PantryError({
    code: Code.FAILED_PRECONDITION,
    details: `startPantryStack: the ${binary} binary is not on PATH: ${install}, or use the default proxy "envoy"`,
  });
}

function splitHostPort(hostPort: string): [string, string] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), hostPort.slice(i + 1)];
}
