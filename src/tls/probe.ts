import { checkServerIdentity, connect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { Address } from './address.js';
import type { TlsMaterial } from './material.js';

/** What one TLS handshake with the server showed. */
export interface TlsProbeResult {
  /** True when the handshake completed and the server certificate verified. */
  ok: boolean;
  /** e.g. `TLSv1.3`. */
  protocol?: string;
  /** The protocol the server selected through ALPN; `false` when it selected none. */
  alpn?: string | false;
  /** The server certificate as presented. */
  serverCertificate?: { subject: string; issuer: string; validTo: string; subjectAltName?: string };
  /** Why the server certificate did not verify (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, …). */
  authorizationError?: string;
  /** The socket or TLS error when the handshake failed. */
  error?: string;
  /** Handshake time in milliseconds. */
  elapsedMs: number;
}

/**
 * Makes one TLS connection to `address` as grpc-js would (same CA, client certificate, server
 * name) but offering `h2` and `http/1.1`, and reports the TLS version, the negotiated ALPN
 * protocol and the server certificate. Used by the `tls` tracer, the test harness and `doctor`.
 * Aborting `signal` ends it at once (socket destroyed, timer cleared) with `error: 'aborted'`, so
 * nothing of it holds the process open.
 *
 * @example
 * const r = await probeTls(parseAddress('localhost:8443', 'test'), material);
 * if (r.alpn !== 'h2') console.warn('proxy offers no h2 through ALPN: Python clients will fail');
 */
export function probeTls(
  address: Address,
  material: TlsMaterial,
  options: { serverName?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<TlsProbeResult> {
  const start = performance.now();
  const elapsed = () => Math.round((performance.now() - start) * 10) / 10;
  const servername = sniName(address, options.serverName);
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve({ ok: false, error: 'aborted', elapsedMs: 0 });
    const socket = connect({
      ...tlsConnectOptions(address, material, servername, ['h2', 'http/1.1']),
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(
      () =>
        finish({ ok: false, error: `no TLS handshake within ${options.timeoutMs ?? 5000} ms`, elapsedMs: elapsed() }),
      options.timeoutMs ?? 5000,
    );
    const onAbort = () => finish({ ok: false, error: 'aborted', elapsedMs: elapsed() });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    function finish(result: TlsProbeResult) {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    }
    socket.once('secureConnect', () => {
      const peer: PeerCertificate = socket.getPeerCertificate();
      let authorizationError = socket.authorizationError
        ? String((socket.authorizationError as Error & { code?: string }).code ?? socket.authorizationError)
        : undefined;
      if (!authorizationError && peer?.subject) {
        const identityError = checkServerIdentity(options.serverName ?? address.host, peer);
        if (identityError)
          authorizationError = (identityError as Error & { code?: string }).code ?? identityError.message;
      }
      finish({
        ok: !authorizationError,
        protocol: socket.getProtocol() ?? undefined,
        alpn: socket.alpnProtocol || false,
        serverCertificate: peer?.subject
          ? {
              subject: formatName(peer.subject),
              issuer: formatName(peer.issuer),
              validTo: new Date(peer.valid_to).toISOString(),
              subjectAltName: peer.subjectaltname,
            }
          : undefined,
        authorizationError,
        elapsedMs: elapsed(),
      });
    });
    socket.once('error', (err: Error & { code?: string }) =>
      finish({ ok: false, error: err.code ? `${err.code}: ${err.message}` : err.message, elapsedMs: elapsed() }),
    );
  });
}

/**
 * The options of a TLS connection made as grpc-js makes it (same CA, client certificate and
 * server name), offering `alpn`; the server certificate is not rejected, so the caller can
 * report why it does not verify. The one place the probe and doctor's check build them.
 *
 * @example
 * const socket = connect(tlsConnectOptions(address, material, sniName(address), ['h2']));
 */
export function tlsConnectOptions(
  address: Address,
  material: TlsMaterial,
  servername: string | undefined,
  alpn: string[],
): ConnectionOptions {
  return {
    host: address.host,
    port: address.port,
    ca: material.ca,
    cert: material.cert,
    key: material.key,
    servername,
    ALPNProtocols: alpn,
    rejectUnauthorized: false,
  };
}

/**
 * The TLS server name (SNI) to send: `serverName` when given, else the address's host unless it
 * is an IP address (SNI carries names only).
 *
 * @example
 * sniName(parseAddress('127.0.0.1:8443', 'test')) // undefined
 */
export function sniName(address: Address, serverName?: string): string | undefined {
  return serverName ?? (address.isIp ? undefined : address.host);
}

function formatName(name: object | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}
