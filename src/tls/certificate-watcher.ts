import type { experimental } from '@grpc/grpc-js';
import { loadTlsMaterial, nameOf, type TlsInputs, type TlsMaterial } from './material.js';
import type { Tracer } from '../observability/tracer.js';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * A grpc-js certificate provider that serves validated TLS material and, when watching,
 * re-reads the files every `intervalMs` so renewed certificates (cert-manager rewrites mounted
 * Secrets in place) are used by new connections without a restart.
 *
 * Unlike grpc-js's `FileWatcherCertificateProvider` it keeps watching while nothing listens,
 * validates a renewal before switching (a half-written pair, or any cut-off PEM block in a chain
 * or bundle, keeps the old one), and its timer does not hold the process open.
 *
 * @example
 * const watcher = new CertificateWatcher({ certDir: './certs' }, material, { intervalMs: 60_000, tracer });
 * const creds = experimental.createCertificateProviderChannelCredentials(watcher, watcher);
 */
export class CertificateWatcher implements CertificateProvider {
  private material: TlsMaterial;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer: NodeJS.Timeout | undefined;
  private lastRejected = '';

  constructor(
    private readonly inputs: TlsInputs,
    initial: TlsMaterial,
    private readonly options: { intervalMs: number; watch: boolean; tracer: Tracer },
  ) {
    this.material = initial;
    if (options.watch) {
      this.timer = setInterval(() => this.reload(), options.intervalMs);
      this.timer.unref();
    }
  }

  /** The material new connections use now. */
  get current(): TlsMaterial {
    return this.material;
  }

  /** Reads the files again; switches to them when they changed and are valid. Returns whether it switched. */
  reload(): boolean {
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(this.inputs).material;
    } catch (err) {
      const why = (err as Error).message;
      if (why !== this.lastRejected)
        this.options.tracer.warn(
          'credentials',
          `renewed certificate files are not usable yet, keeping the current ones: ${why}`,
        );
      this.lastRejected = why;
      return false;
    }
    this.lastRejected = '';
    const prev = this.material;
    if (next.ca.equals(prev.ca) && sameBuffer(next.cert, prev.cert) && sameBuffer(next.key, prev.key)) return false;
    this.material = next;
    this.options.tracer.info(
      'credentials',
      `reloaded certificates: ${next.leaf ? `client "${nameOf(next.leaf.subject)}" serial ${next.leaf.serialNumber} valid until ${next.leaf.validTo}` : 'CA only'}`,
    );
    for (const l of this.caListeners) l({ caCertificate: next.ca });
    for (const l of this.identityListeners) l(this.identity());
    return true;
  }

  private identity() {
    const m = this.material;
    return m.cert && m.key ? { certificate: m.cert, privateKey: m.key } : null;
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    listener({ caCertificate: this.material.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    listener(this.identity());
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function sameBuffer(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.equals(b));
}
