import { credentials as grpcCredentials, experimental, type ChannelCredentials } from '@grpc/grpc-js';
import type { Address } from './address.js';
import { CertificateWatcher } from './certificate-watcher.js';
import { IpTargetCredentials } from './ip-target.js';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';
import { describeSource, isFileBacked, loadTlsMaterial, nameOf, type TlsInputs } from './material.js';
import { probeTls } from './probe.js';
import type { Tracer } from '../observability/tracer.js';

/** What the channel needs: its credentials, the certificate watcher to stop, and where the CA came from (for hints). */
export interface ClientCredentials {
  credentials: ChannelCredentials;
  watcher?: CertificateWatcher;
  caSource?: string;
}

/**
 * What the credentials are made from: the TLS inputs, checked by `resolveConfig`.
 *
 * @example
 * clientCredentials({ certDir: './certs', insecure: false }, process.env, tracer, address, undefined, 60_000);
 */
export interface CredentialInputs extends TlsInputs {
  /** Plaintext HTTP/2; never implied. */
  insecure: boolean;
  /** Re-read renewed files; default: when all three come from files. */
  watchCertificates?: boolean;
}

/**
 * Builds the channel credentials of a client: plaintext only with `insecure: true`; otherwise
 * validated TLS material served through a {@link CertificateWatcher} (grpc-js's certificate
 * provider API), so renewed files reach new connections. Traces the material and, with the `tls`
 * tracer, probes the target's handshake once; for an IP-address target without `serverName`,
 * {@link IpTargetCredentials} (no SNI, the IP SAN checked); aborting `signal` (the client's close) ends the probe.
 *
 * @example
 * const { credentials, watcher } = clientCredentials(opts, env, tracer, address, serverName, 60_000, lifetime.signal);
 */
export function clientCredentials(
  opts: CredentialInputs,
  env: NodeJS.ProcessEnv,
  tracer: Tracer,
  address: Address,
  serverName: string | undefined,
  refreshMs: number,
  signal?: AbortSignal,
): ClientCredentials {
  if (opts.insecure) {
    tracer.debug('credentials', `plaintext to ${address.target} (insecure: true)`);
    return { credentials: grpcCredentials.createInsecure() };
  }
  const { material, warnings } = loadTlsMaterial(opts, env);
  for (const w of warnings) tracer.warn('credentials', w);
  const caSource = describeSource(material.sources.ca);
  if (tracer.enabled('credentials')) {
    tracer.debug(
      'credentials',
      `ca from ${caSource}: ${material.caCerts.map((c) => `"${nameOf(c.subject)}" until ${c.validTo}`).join('; ')}`,
    );
    if (material.leaf)
      tracer.debug(
        'credentials',
        `client certificate from ${describeSource(material.sources.cert!)}: "${nameOf(material.leaf.subject)}" serial ${material.leaf.serialNumber} until ${material.leaf.validTo}; key from ${describeSource(material.sources.key!)}`,
      );
  }
  const watch = opts.watchCertificates ?? isFileBacked(material);
  if (watch && !isFileBacked(material))
    throw configError(
      Code.INVALID_ARGUMENT,
      'watchCertificates: true needs ca, cert and key from files',
      'inline PEM cannot be renewed; give paths, or leave watchCertificates unset',
    );
  const watcher = new CertificateWatcher(opts, material, { watch, intervalMs: refreshMs, tracer });
  if (tracer.enabled('tls')) {
    void probeTls(address, material, { serverName, signal }).then((r) =>
      signal?.aborted
        ? undefined
        : r.error
          ? tracer.debug('tls', `probe of ${address.target} failed: ${r.error}`)
          : tracer.debug(
              'tls',
              `${address.target}: ${r.protocol}, ALPN ${r.alpn || 'none (Python/C++ gRPC clients will fail: missing selected ALPN property)'}, server certificate "${r.serverCertificate?.subject}" until ${r.serverCertificate?.validTo}${r.authorizationError ? `, NOT TRUSTED: ${r.authorizationError}` : ''}`,
            ),
    );
  }
  return {
    // An IP target without serverName: no IP as SNI (Node's DEP0123), the IP SAN verified instead.
    credentials:
      address.isIp && !serverName
        ? new IpTargetCredentials(address.scheme === 'ipv4' ? undefined : address.host, () => watcher.current)
        : experimental.createCertificateProviderChannelCredentials(watcher, material.cert ? watcher : null),
    watcher,
    caSource,
  };
}
