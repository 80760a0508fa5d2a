import { connect, type TLSSocket } from 'node:tls';
import type { Address } from './address.js';
import type { TlsMaterial } from './material.js';
import { probeTls, sniName, tlsConnectOptions, type TlsProbeResult } from './probe.js';

/** A TLS handshake, then whether the server kept talking after seeing the client certificate. */
export interface TlsCheck extends TlsProbeResult {
  /** `true` when the server answered the HTTP/2 preface; `false` with `rejection` when it sent a TLS alert instead. */
  clientCertificateAccepted?: boolean;
  /** The alert or error that ended the connection after the handshake. */
  rejection?: string;
}

/**
 * Runs {@link probeTls}, then — because with TLS 1.3 a rejected client certificate only shows
 * after the handshake — opens a second connection as grpc-js would (ALPN h2), sends the HTTP/2
 * preface and waits for the server's first bytes or an alert.
 *
 * @example
 * const r = await checkTls(address, material, { serverName });
 * if (r.clientCertificateAccepted === false) console.log(r.rejection);
 */
export async function checkTls(
  address: Address,
  material: TlsMaterial,
  options: { serverName?: string; timeoutMs?: number } = {},
): Promise<TlsCheck> {
  const probe = await probeTls(address, material, options);
  if (probe.error) return probe;
  const timeoutMs = options.timeoutMs ?? 3000;
  const servername = sniName(address, options.serverName);
  const answer = await new Promise<{ accepted: boolean; rejection?: string }>((resolve) => {
    const socket: TLSSocket = connect(tlsConnectOptions(address, material, servername, ['h2']));
    const done = (r: { accepted: boolean; rejection?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ accepted: true }), timeoutMs); // silence: nothing rejected us
    socket.once('secureConnect', () => {
      // HTTP/2 client preface and an empty SETTINGS frame: any server answers with bytes of its own.
      socket.write(
        Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]),
      );
    });
    socket.once('data', () => done({ accepted: true }));
    socket.once('error', (err: Error & { code?: string }) => done({ accepted: false, rejection: err.message }));
    socket.once('end', () =>
      done({ accepted: false, rejection: 'the server closed the connection without answering' }),
    );
  });
  return { ...probe, clientCertificateAccepted: answer.accepted, rejection: answer.rejection };
}
