import type * as X509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { loadOptionalPeer } from './optional-peer.js';

// The optional peers @peculiar/x509 and reflect-metadata load on the first certificate, not with
// the testing entry: a harness given certDir (or a process stack's user without dev certificates)
// never needs them. @peculiar/x509 resolves its classes through tsyringe, which needs a Reflect
// metadata polyfill at import (its README: "Reflect Polyfill Required"); node:crypto cannot issue
// certificates, so the polyfill stays, loaded here only.
let loading: Promise<typeof X509> | undefined;
let x509: typeof X509;
async function loadX509(): Promise<typeof X509> {
  const feature = 'writeDevCertificates (dev certificates for the harness and pantry-client dev-certs)';
  loading ??= (async () => {
    await loadOptionalPeer('reflect-metadata', feature, () => import('reflect-metadata'));
    const lib = await loadOptionalPeer('@peculiar/x509', feature, () => import('@peculiar/x509'));
    lib.cryptoProvider.set(webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
    return lib;
  })().catch((err: unknown) => {
    loading = undefined; // installed later: try again
    throw err;
  });
  x509 = await loading;
  return x509;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** Options of {@link writeDevCertificates}; every field is optional. */
export interface DevCertificateOptions {
  /** DNS names and IP addresses of the server certificate. Default `['localhost', '127.0.0.1']`. */
  serverNames?: string[];
  /** Common name of the CA. Default `pantry dev CA`. */
  caName?: string;
  /** Common name of the client certificate. Default `pantry-dev-client`. */
  clientName?: string;
  /** Validity of the client certificate. Default from an hour ago for 30 days; set dates in the past for an expired one. */
  clientValidity?: { notBefore: Date; notAfter: Date };
  /** Validity of the CA. Default from an hour ago for 365 days; set dates in the past for an expired CA (a CA rotation). */
  caValidity?: { notBefore: Date; notAfter: Date };
}

/** Options of {@link DevCertificates.issueClient}; every field is optional. */
export interface IssueClientOptions {
  /** Common name. Default `pantry-dev-client`. */
  name?: string;
  /** Validity. Default from an hour ago for 30 days. */
  validity?: { notBefore: Date; notAfter: Date };
  /** Extended key usage: `clientAuth` (default), `serverAuth` (a certificate proxies refuse as a client's) or `none` (no extension). */
  extendedKeyUsage?: 'clientAuth' | 'serverAuth' | 'none';
  /** Issue through an intermediate CA: client.crt then holds the leaf followed by the intermediate. Default false. */
  viaIntermediate?: boolean;
}

/** The files {@link writeDevCertificates} wrote (article names) and the CA, to issue more from. */
export interface DevCertificates {
  dir: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  serverCert: string;
  serverKey: string;
  /**
   * Issues another client certificate from the same CA into `dir` (as client.crt, client.key).
   *
   * @example
   * await certs.issueClient('/tmp/server-only', { extendedKeyUsage: 'serverAuth' }); // a proxy refuses it
   */
  issueClient(dir: string, options?: IssueClientOptions): Promise<{ cert: string; key: string }>;
}

interface Issuer {
  cert: X509.X509Certificate;
  keys: CryptoKeyPair;
}

/**
 * Writes a development CA, a server certificate and a client certificate (ECDSA P-256) into
 * `dir` with the reference article's names: `ca.crt`, `client.crt`, `client.key`, plus
 * `server.crt` and `server.key`. For tests and demos only. Needs the optional peers
 * `@peculiar/x509` and `reflect-metadata`, loaded on the first call; without them it throws a
 * `FAILED_PRECONDITION` PantryError naming the package to install.
 *
 * @example
 * const certs = await writeDevCertificates('/tmp/pantry-certs');
 * const client = createClient('localhost:8443', certs.dir);
 */
export async function writeDevCertificates(dir: string, options: DevCertificateOptions = {}): Promise<DevCertificates> {
  await loadX509();
  await mkdir(dir, { recursive: true });
  const now = Date.now();
  const validity = { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 30 * DAY) };
  const caKeys = await generateKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${options.caName ?? 'pantry dev CA'}, O=pantry`,
    notBefore: options.caValidity?.notBefore ?? validity.notBefore,
    notAfter: options.caValidity?.notAfter ?? new Date(now + 365 * DAY),
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true), // room for one intermediate (issueClient viaIntermediate)
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const ca: Issuer = { cert: caCert, keys: caKeys };
  const names = options.serverNames ?? ['localhost', '127.0.0.1'];
  const server = await issue(ca, 'pantry-server', validity, 'serverAuth', names);
  const client = await issue(
    ca,
    options.clientName ?? 'pantry-dev-client',
    options.clientValidity ?? validity,
    'clientAuth',
  );
  const files = {
    caCert: `${caCert.toString('pem')}\n`,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
  };
  await writeFile(join(dir, 'ca.crt'), files.caCert);
  await writePair(dir, 'server', server);
  await writePair(dir, 'client', client);
  return {
    dir,
    ...files,
    async issueClient(target, o = {}) {
      const issuer = o.viaIntermediate ? await intermediate(ca, validity) : ca;
      const pair = await issue(
        issuer,
        o.name ?? 'pantry-dev-client',
        o.validity ?? validity,
        o.extendedKeyUsage ?? 'clientAuth',
      );
      if (o.viaIntermediate) pair.cert += `${issuer.cert.toString('pem')}\n`;
      await mkdir(target, { recursive: true });
      await writePair(target, 'client', pair);
      return pair;
    },
  };
}

async function writePair(dir: string, name: string, pair: { cert: string; key: string }): Promise<void> {
  await writeFile(join(dir, `${name}.crt`), pair.cert);
  await writeFile(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
}

/** An intermediate CA (path length 0) under `ca`. */
async function intermediate(ca: Issuer, validity: { notBefore: Date; notAfter: Date }): Promise<Issuer> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=pantry dev intermediate CA, O=pantry',
    issuer: ca.cert.subject,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { cert, keys };
}

async function issue(
  ca: Issuer,
  commonName: string,
  validity: { notBefore: Date; notAfter: Date },
  usage: 'serverAuth' | 'clientAuth' | 'none',
  names: string[] = [],
): Promise<{ cert: string; key: string }> {
  const keys = await generateKeys();
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (usage !== 'none') extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[usage]]));
  if (names.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}, O=pantry`,
    issuer: ca.cert.subject,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return { cert: `${cert.toString('pem')}\n`, key: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n` };
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(12)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}
