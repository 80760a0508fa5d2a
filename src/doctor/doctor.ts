/**
 * `doctor/` owns `pantry-client doctor`: the step-by-step diagnosis of the path to the server and
 * its report. It may import `client/` (the same config resolution and client as yours), `tls/`,
 * `transport/`, `errors/`; only `cli/` imports it.
 */
import { credentials } from '@grpc/grpc-js';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { resolveConfig, type ClientConfig } from '../client/config.js';
import type { Address } from '../tls/address.js';
import { createChannel } from '../transport/channel.js';
import { Code } from '../errors/code.js';
import { createClient } from '../client/create-client.js';
import { ALPN_FIX, hintFor } from '../errors/hints.js';
import { PantryError } from '../errors/pantry-error.js';
import { plainDetails } from '../errors/plain.js';
import { describeSource, loadTlsMaterial, nameOf, type TlsInputs, type TlsMaterial } from '../tls/material.js';
import { healthCheck } from './health.js';
import { checkTls } from '../tls/check.js';
import { IpTargetCredentials } from '../tls/ip-target.js';

/** One step of the diagnosis. */
export interface DoctorStep {
  name: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  ms: number;
  /** What was seen. */
  detail: string;
  /** For `fail` and `warn`: what is wrong. */
  cause?: string;
  /** For `fail` and `warn`: what to change. */
  fix?: string;
  /** For a failure reported by grpc-js or node:tls: its text as is (the CLI prints it with `--verbose`). */
  raw?: string;
}

/** The whole diagnosis; `ok` is true when no step failed. */
export interface DoctorReport {
  address: string;
  ok: boolean;
  steps: DoctorStep[];
}

/** What to diagnose: the same inputs and environment variables as `createClient`. */
export interface DoctorOptions extends TlsInputs {
  address?: string;
  serverName?: string;
  env?: NodeJS.ProcessEnv;
  /** Per network step. Default 5000 ms. */
  timeoutMs?: number;
}

const EXPIRY_WARN_DAYS = 14;

/**
 * Walks the path from this machine to the pantry server step by step — certificate files,
 * name resolution, TCP, the TLS handshake (server certificate, client certificate, ALPN), gRPC
 * health and `Hello` — and says for each broken link what is wrong and how to fix it.
 *
 * @example
 * const report = await runDoctor({ address: 'pantry.example.com:443', certDir: './certs' });
 * for (const s of report.steps) console.log(s.status, s.name, s.cause ?? s.detail);
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  const { timeoutMs: _, env: __, ...clientOptions } = options;
  const steps: DoctorStep[] = [];
  const rawAddress = options.address ?? env.PANTRY_ADDRESS ?? env.GRPC_SERVER_ADDRESS ?? '';
  const report = (): DoctorReport => ({ address: rawAddress, ok: steps.every((s) => s.status !== 'fail'), steps });
  const skipRest = (from: number, why: string) => {
    for (const name of STEP_NAMES.slice(from)) steps.push({ name, status: 'skip', ms: 0, detail: why });
  };

  // 1. Certificate files.
  let material: TlsMaterial | undefined;
  steps.push(
    await timed(STEP_NAMES[0], async () => {
      const { material: m, warnings } = loadTlsMaterial(options, env);
      material = m;
      const detail = describeMaterial(m);
      const days = m.leaf ? (Date.parse(m.leaf.validTo) - Date.now()) / 86_400_000 : Infinity;
      if (days < EXPIRY_WARN_DAYS)
        warnings.push(`the client certificate expires in ${days.toFixed(1)} days (${m.leaf!.validTo}); renew it`);
      if (!m.leaf)
        warnings.push('no client certificate: a proxy that requires one (mutual TLS) will refuse the connection');
      return warnings.length
        ? {
            status: 'warn',
            detail,
            cause: warnings.join('; '),
            fix: warnings.some((w) => w.includes('chmod')) ? 'chmod 600 the key file' : 'check the certificate files',
          }
        : { status: 'pass', detail };
    }),
  );

  // 2. Name resolution, after the settings are resolved as createClient resolves them.
  let config: ClientConfig;
  try {
    config = resolveConfig(clientOptions, env);
  } catch (err) {
    steps.push({
      name: STEP_NAMES[1],
      status: 'fail',
      ms: 0,
      detail: rawAddress || '(none)',
      cause: (err as PantryError).details,
      fix: (err as PantryError).hint,
    });
    skipRest(2, 'no address');
    return report();
  }
  const address: Address = config.address;
  const serverName = config.serverName;
  const resolution = await timed(
    STEP_NAMES[1],
    async () => {
      if (address.isIp) return { status: 'pass', detail: `${address.host} is an IP address` };
      const all = await lookup(address.host, { all: true });
      return { status: 'pass', detail: `${address.host} → ${all.map((a) => a.address).join(', ')}` };
    },
    (err) => ({
      cause: `${address.host} does not resolve (${(err as NodeJS.ErrnoException).code ?? err})`,
      fix: 'check the host name; inside Kubernetes use service.namespace.svc.cluster.local',
    }),
  );
  steps.push(resolution);
  if (resolution.status === 'fail') {
    skipRest(2, 'the name does not resolve');
    return report();
  }

  // 3. TCP connect.
  const tcp = await timed(
    STEP_NAMES[2],
    () => tcpConnect(address, timeoutMs),
    (err) => ({
      cause: `no TCP connection to ${address.target}: ${(err as Error).message}`,
      fix: /ECONNREFUSED/.test(String(err))
        ? 'nothing listens there: start the proxy or server, or fix the port'
        : 'check firewalls, security groups and the Service/LoadBalancer in front of the proxy',
    }),
  );
  steps.push(tcp);
  if (tcp.status === 'fail') {
    skipRest(3, 'no TCP connection');
    return report();
  }

  // 4. TLS handshake.
  if (!material) {
    skipRest(3, 'the certificate files are not usable');
    return report();
  }
  const m = material;
  const tls = await timed(STEP_NAMES[3], async () => {
    const r = await checkTls(address, m, { serverName, timeoutMs });
    const ctx = { address: address.target, insecure: false, caSource: describeSource(m.sources.ca) };
    if (r.error)
      return {
        status: 'fail',
        detail: 'no TLS handshake',
        cause: plainDetails(r.error),
        raw: r.error,
        fix: hintFor(Code.UNAVAILABLE, r.error, ctx) ?? 'check that this port speaks TLS',
      };
    const server = r.serverCertificate
      ? `server "${r.serverCertificate.subject}" (issuer "${r.serverCertificate.issuer}", ${r.serverCertificate.subjectAltName ?? 'no SAN'}) until ${r.serverCertificate.validTo.slice(0, 10)}`
      : 'no server certificate';
    const detail = `${r.protocol}, ALPN ${r.alpn || 'none'}, ${server}${r.clientCertificateAccepted ? ', client certificate accepted' : ''}`;
    if (r.authorizationError) {
      const altname = /ALTNAME/.test(r.authorizationError);
      return {
        status: 'fail',
        detail,
        cause: altname
          ? `the server certificate does not name ${serverName ?? address.host} (${r.serverCertificate?.subjectAltName ?? 'no SAN'})`
          : `the server certificate does not verify against ${describeSource(m.sources.ca)}: ${r.authorizationError}`,
        fix: altname
          ? 'dial one of the names in the certificate, or pass --server-name (PANTRY_SERVER_NAME) with one of them'
          : "use the CA that issued the proxy's certificate (Envoy: tls_certificates; HAProxy: bind … crt)",
      };
    }
    if (r.clientCertificateAccepted === false) {
      return {
        status: 'fail',
        detail,
        cause: `the server ended the connection after the handshake: ${plainDetails(r.rejection ?? '')}`,
        raw: r.rejection,
        fix:
          hintFor(Code.UNAVAILABLE, r.rejection ?? '', ctx) ??
          "check the client certificate against the proxy's trusted CA",
      };
    }
    if (r.alpn !== 'h2') {
      return {
        status: 'fail',
        detail,
        cause: r.alpn
          ? `the listener chose ${r.alpn}, not HTTP/2`
          : 'the listener selects no ALPN protocol: Node clients still work, but Python, C++ and Java gRPC clients fail with "missing selected ALPN property" (the reference article\'s pitfall)',
        fix: ALPN_FIX,
      };
    }
    return { status: 'pass', detail };
  });
  steps.push(tls);
  if (tls.detail === 'no TLS handshake') {
    skipRest(4, 'no TLS handshake');
    return report();
  }

  // 5. gRPC: health, then Hello through the SDK itself.
  const grpc = createChannel(
    address.target,
    address.isIp && !serverName
      ? new IpTargetCredentials(address.host, () => m)
      : credentials.createSsl(m.ca, m.key ?? null, m.cert ?? null),
    config,
  );
  const hintCtx = { address: address.target, insecure: false, caSource: describeSource(m.sources.ca) };
  steps.push(
    await timed(STEP_NAMES[4], async () => {
      try {
        return {
          status: 'pass',
          detail: `grpc.health.v1.Health/Check: ${await healthCheck(grpc, Date.now() + timeoutMs)}`,
        };
      } catch (err) {
        const e = err as { code: number; details: string };
        if (e.code === Code.UNIMPLEMENTED)
          return {
            status: 'warn',
            detail: 'no health service',
            cause: 'the server does not implement grpc.health.v1',
            fix: 'register the health service (grpc-go: health.NewServer()) so probes and load balancers can see it',
          };
        return {
          status: 'fail',
          detail: Code[e.code] ?? 'failed',
          cause: plainDetails(e.details),
          fix: hintFor(e.code, e.details, hintCtx) ?? NO_KNOWN_FIX,
          raw: e.details,
        };
      } finally {
        grpc.close();
      }
    }),
  );
  steps.push(
    await timed(STEP_NAMES[5], async () => {
      const client = createClient({
        ...clientOptions,
        address: address.target,
        serverName,
        env,
        retry: false,
        deadlineMs: timeoutMs,
        watchCertificates: false,
        logger: SILENT,
      });
      try {
        const { message } = await client.hello.hello({ name: 'doctor' });
        return { status: 'pass', detail: `hello.v1.HelloService/Hello: "${message}"` };
      } catch (err) {
        const e = err as PantryError;
        return {
          status: 'fail',
          detail: e.codeName,
          cause: plainDetails(e.details),
          fix: e.hint ?? NO_KNOWN_FIX,
          raw: e.details,
        };
      } finally {
        client.close();
      }
    }),
  );
  return report();
}

const STEP_NAMES = ['certificates', 'name resolution', 'TCP connect', 'TLS handshake', 'gRPC health', 'gRPC Hello'];
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };
const NO_KNOWN_FIX = 'this failure has no known shape: check the server and proxy logs at the same time';

async function timed(
  name: string,
  body: () => Promise<Omit<DoctorStep, 'name' | 'ms'> | string>,
  onError?: (err: unknown) => { cause: string; fix?: string },
): Promise<DoctorStep> {
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  try {
    const r = await body();
    return typeof r === 'string' ? { name, status: 'pass', ms: ms(), detail: r } : { name, ms: ms(), ...r };
  } catch (err) {
    if (err instanceof PantryError)
      return {
        name,
        status: 'fail',
        ms: ms(),
        detail: err.codeName,
        cause: plainDetails(err.details),
        fix: err.hint,
        raw: err.details,
      };
    const e = onError?.(err) ?? { cause: (err as Error).message };
    return { name, status: 'fail', ms: ms(), detail: 'failed', ...e };
  }
}

function tcpConnect(address: Address, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    });
    socket.once('connect', () => {
      const to = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.destroy();
      resolve(`connected to ${to}`);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`${err.code ?? ''} ${err.message}`.trim())));
  });
}

function describeMaterial(m: TlsMaterial): string {
  const ca = m.caCerts.map((c) => `"${nameOf(c.subject)}"`).join(', ');
  const leaf = m.leaf
    ? `; client "${nameOf(m.leaf.subject)}" until ${new Date(m.leaf.validTo).toISOString().slice(0, 10)} (${Math.floor((Date.parse(m.leaf.validTo) - Date.now()) / 86_400_000)} days), key matches`
    : '';
  return `CA ${ca} from ${describeSource(m.sources.ca)}${leaf}`;
}
