/**
 * `tls/` owns mutual TLS: PEM sources (paths, PEM, env), reading and validating the material,
 * the watcher that serves renewed files to grpc-js, the channel credentials, the address a
 * client dials, and the handshake probe and check. It may import `errors/` and
 * `observability/`; never the pipeline, the transport or the client.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';
import { readPem, type PemBlock } from './pem-file.js';
import {
  certDirOf,
  describeSource,
  resolvePemInput,
  type PemInput,
  type PemSource,
  type ResolvedPem,
} from './pem-source.js';

export { describeSource, type PemInput, type PemSource } from './pem-source.js';

/** The three inputs of mutual TLS as the user gave them. */
export interface TlsInputs {
  /** CA bundle that signs the server's (the proxy's) certificate. */
  ca?: PemInput;
  /** Client certificate (chain) presented to the proxy. */
  cert?: PemInput;
  /** Private key of the client certificate, unencrypted PEM. */
  key?: PemInput;
  /** Directory holding `ca.crt`, `client.crt` and `client.key`. */
  certDir?: string;
}

/** Validated TLS material, ready for grpc-js. The key never shows in `inspect()` or JSON. */
export interface TlsMaterial {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  sources: { ca: PemSource; cert?: PemSource; key?: PemSource };
  /** The parsed client certificate (leaf), for tracing and expiry checks. */
  leaf?: X509Certificate;
  /** The parsed CA certificates. */
  caCerts: X509Certificate[];
}

/** Anything worth a warning that does not stop the client (logged through the client's logger). */
export type TlsWarning = string;

const FILE_NAMES = { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' } as const;
const ENV_NAMES = { ca: 'PANTRY_CA_CERT', cert: 'PANTRY_CLIENT_CERT', key: 'PANTRY_CLIENT_KEY' } as const;
type Part = keyof typeof FILE_NAMES;

/** A certificate's subject (or issuer) on one line: `CN=pantry-dev-client, O=pantry`. */
export function nameOf(dn: string): string {
  return dn.replace(/\n/g, ', ');
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

function pick(part: Part, inputs: TlsInputs, env: NodeJS.ProcessEnv): ResolvedPem | undefined {
  const given: unknown = inputs[part];
  if (given !== undefined && given !== null && given !== '') return resolvePemInput(given, `option ${part}`);
  const certDir = certDirOf(inputs.certDir, 'option certDir');
  if (certDir) return { source: { origin: 'certDir', path: join(certDir, FILE_NAMES[part]) } };
  const fromEnv = env[ENV_NAMES[part]];
  if (fromEnv) return resolvePemInput(fromEnv, `env ${ENV_NAMES[part]}`);
  const envDir = certDirOf(env.PANTRY_CERT_DIR, 'env PANTRY_CERT_DIR');
  if (envDir) return { source: { origin: 'env PANTRY_CERT_DIR', path: join(envDir, FILE_NAMES[part]) } };
  return undefined;
}

function fileHint(part: Part): string {
  return `give ${part} as a path or PEM, or put ${FILE_NAMES[part]} in certDir (env ${ENV_NAMES[part]} or PANTRY_CERT_DIR)`;
}

function parseCertificates(part: Part, blocks: PemBlock[], source: PemSource): X509Certificate[] {
  const what = `${part} ${describeSource(source)}`;
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) {
    const kind = blocks[0]?.label;
    throw configError(
      Code.INVALID_ARGUMENT,
      `${what}: holds no certificate${kind ? ` (found a ${kind} block)` : ''}`,
      part === 'cert' ? 'cert is the client certificate (client.crt); the key goes in key' : undefined,
    );
  }
  return certs.map((block, i) => {
    try {
      return new X509Certificate(block.text);
    } catch {
      throw configError(
        Code.INVALID_ARGUMENT,
        `${what}: certificate ${i + 1} is not a valid X.509 certificate (damaged or truncated PEM)`,
      );
    }
  });
}

/** Why a certificate cannot be used now, or undefined when it can. */
function invalidNow(cert: X509Certificate, now: number): { why: string; fix: string } | undefined {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (now < from)
    return {
      why: `certificate "${nameOf(cert.subject)}" is not valid before ${new Date(from).toISOString()}`,
      fix: 'check the clock of this machine, or wait until the certificate is valid',
    };
  if (now > to)
    return {
      why: `certificate "${nameOf(cert.subject)}" expired on ${new Date(to).toISOString()}`,
      fix: 'renew the certificate (with cert-manager, check the Certificate resource)',
    };
  return undefined;
}

/**
 * Keeps the CA certificates that can anchor a chain now: in their validity period and marked as a CA
 * (basic constraints CA:TRUE). Throws when none is left; warns naming each one left out, so an
 * expired root in a system bundle, or the old CA of a rotation, does not stop the client.
 */
function usableCas(cas: X509Certificate[], source: PemSource, now: number, warnings: TlsWarning[]): X509Certificate[] {
  const what = `ca ${describeSource(source)}`;
  const problems: Array<{ why: string; fix: string }> = [];
  const usable = cas.filter((c) => {
    const p =
      invalidNow(c, now) ??
      (c.ca
        ? undefined
        : {
            why: `certificate "${nameOf(c.subject)}" is not a CA (basic constraints CA:FALSE or absent): it cannot sign other certificates`,
            fix: "give the CA certificate that issued the proxy's certificate (ca.crt), not the proxy's or client's own certificate",
          });
    if (p) problems.push(p);
    return !p;
  });
  if (usable.length === 0) {
    throw configError(
      Code.FAILED_PRECONDITION,
      `${what}: no usable CA certificate: ${problems.map((p) => p.why).join('; ')}`,
      problems[0].fix,
    );
  }
  if (problems.length)
    warnings.push(
      `${what}: ignoring ${problems.map((p) => p.why).join('; ')}; ${usable.length} other CA certificate${usable.length === 1 ? '' : 's'} in it still usable`,
    );
  return usable;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/** True when `leaf` chains to one of `cas`, directly or through the `intermediates` sent with it. */
function chainsTo(leaf: X509Certificate, intermediates: X509Certificate[], cas: X509Certificate[]): boolean {
  let current = leaf;
  const used = new Set<X509Certificate>();
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (cas.some((ca) => issuedBy(current, ca))) return true;
    const next = intermediates.find((i) => !used.has(i) && i !== current && i.ca && issuedBy(current, i));
    if (!next) return false;
    used.add(next);
    current = next;
  }
  return false;
}

/** Throws when the client certificate's extended key usage leaves out client authentication. */
function checkClientAuth(leaf: X509Certificate, source: PemSource): void {
  const usages = leaf.keyUsage; // node:crypto names the extended key usage OIDs keyUsage; undefined when the extension is absent
  if (!usages || usages.includes(CLIENT_AUTH) || usages.includes(ANY_EXTENDED_KEY_USAGE)) return;
  // Deno's node:crypto (2.9) answers the key usage bits here ("DigitalSignature", …), not the extended
  // key usage OIDs: with no OID to read, leave the check to the proxy rather than refuse a good certificate.
  if (!usages.every((u) => /^\d+(\.\d+)+$/.test(u))) return;
  const named = usages.map((oid) => EKU_NAMES[oid] ?? oid).join(', ');
  throw configError(
    Code.FAILED_PRECONDITION,
    `cert ${describeSource(source)}: certificate "${nameOf(leaf.subject)}" is not for client authentication: its extended key usage is ${named}, without clientAuth`,
    'issue the client certificate with extended key usage clientAuth (cert-manager: usages: [client auth]; openssl: -addext extendedKeyUsage=clientAuth); proxies refuse it otherwise (Go: alert 42 bad certificate, HAProxy: alert 43 unsupported certificate)',
  );
}

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

function parseKey(pem: Buffer, source: PemSource): KeyObject {
  const what = `key ${describeSource(source)}`;
  const text = pem.toString('latin1');
  if (text.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw configError(
      Code.INVALID_ARGUMENT,
      `${what}: the private key is encrypted`,
      'gRPC needs an unencrypted key: openssl pkey -in client.key -out client.key.plain (keep it mode 600)',
    );
  }
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text)) {
    throw configError(
      Code.INVALID_ARGUMENT,
      `${what}: holds no private key`,
      'key is the client private key (client.key); the certificate goes in cert',
    );
  }
  try {
    return createPrivateKey(pem);
  } catch {
    // The OpenSSL message can quote the input; say only that it failed.
    throw configError(Code.INVALID_ARGUMENT, `${what}: is not a valid private key (damaged or truncated PEM)`);
  }
}

/**
 * Finds, reads and validates the CA, client certificate and key, highest source first:
 * explicit options → `certDir` → `PANTRY_CA_CERT` / `PANTRY_CLIENT_CERT` / `PANTRY_CLIENT_KEY` → `PANTRY_CERT_DIR`.
 * Throws a {@link PantryError} naming the file and where it came from; returns warnings that do not stop the client.
 *
 * @example
 * const { material, warnings } = loadTlsMaterial({ certDir: './certs' });
 */
export function loadTlsMaterial(
  inputs: TlsInputs,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): { material: TlsMaterial; warnings: TlsWarning[] } {
  const warnings: TlsWarning[] = [];
  certDirOf(inputs.certDir, 'option certDir');
  certDirOf(env.PANTRY_CERT_DIR, 'env PANTRY_CERT_DIR');
  const ca = pick('ca', inputs, env);
  const cert = pick('cert', inputs, env);
  const key = pick('key', inputs, env);
  if (!ca) {
    throw configError(
      Code.FAILED_PRECONDITION,
      'no CA certificate given',
      'pass certDir (with ca.crt), option ca, env PANTRY_CA_CERT or PANTRY_CERT_DIR; for a plaintext server pass insecure: true',
    );
  }
  if (!cert !== !key) {
    const missing = cert ? 'key' : 'cert';
    throw configError(
      Code.INVALID_ARGUMENT,
      `${missing} is missing: a client certificate and its key go together (got only ${cert ? 'cert' : 'key'} from ${describeSource((cert ?? key)!.source)})`,
      fileHint(missing),
    );
  }

  const caRead = readPem('ca', ca, fileHint('ca'));
  const caCerts = usableCas(parseCertificates('ca', caRead.blocks, ca.source), ca.source, now, warnings);
  // grpc-js gets only the usable CA certificates, so OpenSSL never picks an expired one.
  const caPem = Buffer.from(caCerts.map((c) => c.toString()).join(''));

  const material: TlsMaterial = { ca: caPem, caCerts, sources: { ca: ca.source } };
  if (cert && key) {
    const certRead = readPem('cert', cert, fileHint('cert'));
    const [leaf, ...intermediates] = parseCertificates('cert', certRead.blocks, cert.source);
    const invalid = invalidNow(leaf, now);
    if (invalid)
      throw configError(Code.FAILED_PRECONDITION, `cert ${describeSource(cert.source)}: ${invalid.why}`, invalid.fix);
    checkClientAuth(leaf, cert.source);
    const keyPem = readPem('key', key, fileHint('key')).bytes;
    const keyObject = parseKey(keyPem, key.source);
    if (!leaf.checkPrivateKey(keyObject)) {
      throw configError(
        Code.INVALID_ARGUMENT,
        `key ${describeSource(key.source)} does not match cert ${describeSource(cert.source)}`,
        'use the key that was issued with this certificate (the same Secret, tls.key with tls.crt)',
      );
    }
    if (!chainsTo(leaf, intermediates, caCerts)) {
      warnings.push(
        `cert ${describeSource(cert.source)} ("${nameOf(leaf.subject)}", issuer "${nameOf(leaf.issuer)}") is not signed by the CA in ${describeSource(ca.source)}, directly or through ${intermediates.length ? `the ${intermediates.length} intermediate certificate(s) sent with it` : 'an intermediate sent with it'}; fine when the proxy trusts another CA, otherwise the proxy will reject it`,
      );
    }
    const certPem = certRead.bytes;
    if (key.source.path) {
      try {
        const mode = statSync(key.source.path).mode & 0o777;
        if (mode & 0o077)
          warnings.push(
            `key ${key.source.path} is readable by group or others (mode ${mode.toString(8).padStart(3, '0')}); chmod 600 it`,
          );
      } catch {
        /* already read above; a vanished file shows at the next reload */
      }
    }
    Object.assign(material, { cert: certPem, key: keyPem, leaf });
    material.sources.cert = cert.source;
    material.sources.key = key.source;
  }
  hideKey(material);
  return { material, warnings };
}

/** Keeps the private key out of `console.log`, `util.inspect` and `JSON.stringify`. */
function hideKey(material: TlsMaterial): void {
  const key = material.key;
  Object.defineProperty(material, 'key', { value: key, enumerable: false });
  Object.defineProperty(material, inspect.custom, {
    value: () =>
      `TlsMaterial { ca: ${describeSource(material.sources.ca)}, cert: ${material.sources.cert ? describeSource(material.sources.cert) : 'none'}, key: [redacted] }`,
    enumerable: false,
  });
}

/** True when every piece of the material was read from a file, so it can be watched for renewal. */
export function isFileBacked(material: TlsMaterial): boolean {
  const s = material.sources;
  return [s.ca, s.cert, s.key].every((x) => x === undefined || x.path !== undefined);
}
