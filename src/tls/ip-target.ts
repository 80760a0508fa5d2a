import { CallCredentials, ChannelCredentials, type ChannelOptions, type experimental } from '@grpc/grpc-js';
import type { Socket } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, type SecureContext } from 'node:tls';
import type { TlsMaterial } from './material.js';

/**
 * Mutual-TLS channel credentials for a target that is an IP address (`127.0.0.1:8443`,
 * `[::1]:8443`) and no `serverName`: the handshake sends no SNI (an IP address is not a valid
 * server name: RFC 6066 §3, and Node warns `DEP0123` when grpc-js sets one) and checks that the
 * server certificate names the IP address in its subjectAltName (`IP Address:127.0.0.1`), as
 * node:tls `checkServerIdentity(ip, cert)` does. grpc-js derives the TLS servername from the
 * target and offers no way to leave it unset, so this implements grpc-js's (experimental, exported)
 * `SecureConnector` contract itself; `material()` is read at each connection, so renewed
 * certificates apply as with the certificate-provider credentials.
 *
 * @example
 * const creds = new IpTargetCredentials('127.0.0.1', () => watcher.current);
 * const channel = createChannel('127.0.0.1:8443', creds);
 */
export class IpTargetCredentials extends ChannelCredentials {
  private context: { material: TlsMaterial; secure: SecureContext } | undefined;

  /** `ip` undefined: each connection checks the address it reached (an `ipv4:` list of targets). */
  constructor(
    private readonly ip: string | undefined,
    private readonly material: () => TlsMaterial,
  ) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(
    _target: unknown,
    _options: ChannelOptions,
    callCredentials?: CallCredentials,
  ): experimental.SecureConnector {
    return {
      connect: (socket: Socket) => this.connect(socket),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => callCredentials ?? CallCredentials.createEmpty(),
      destroy: () => {},
    };
  }

  private secureContext(): SecureContext {
    const material = this.material();
    if (this.context?.material !== material)
      this.context = {
        material,
        secure: createSecureContext({ ca: material.ca, cert: material.cert, key: material.key }),
      };
    return this.context.secure;
  }

  private connect(socket: Socket): Promise<experimental.SecureConnectResult> {
    const ip = this.ip ?? socket.remoteAddress ?? '';
    return new Promise((resolve, reject) => {
      let secureContext: SecureContext;
      try {
        secureContext = this.secureContext();
      } catch {
        reject(new Error('Failed to load credentials'));
        return;
      }
      const onClose = () => reject(new Error('Socket closed'));
      const tlsSocket = connect(
        {
          socket,
          secureContext,
          ALPNProtocols: ['h2'],
          // No servername: no SNI. The identity check is on the IP address itself.
          host: ip,
          checkServerIdentity: (_host, cert) => checkServerIdentity(ip, cert),
        },
        () => {
          tlsSocket.removeListener('close', onClose);
          tlsSocket.removeListener('error', reject);
          if (!tlsSocket.authorized) {
            reject(tlsSocket.authorizationError);
            return;
          }
          resolve({ socket: tlsSocket, secure: true });
        },
      );
      tlsSocket.once('close', onClose);
      tlsSocket.once('error', reject);
    });
  }
}
