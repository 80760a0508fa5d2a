import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Code } from './code.js';
import { configError } from './pantry-error.js';

/** A certificate or key: a file path, or the PEM itself as a string or Buffer. */
export type PemInput = string | Buffer;

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

/** Where one piece of TLS material came from, e.g. `{ origin: 'env PANTRY_CA_CERT', path: '/etc/pantry/ca.crt' }`. */
export interface PemSource {
  /** The option or variable that named it: `option ca`, `certDir`, `env PANTRY_CLIENT_KEY`, `env PANTRY_CERT_DIR`. */
  origin: string;
  /** The file it was read from; absent for inline PEM. */
  path?: string;
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

/** Describes a source for messages: `option ca (./certs/ca.crt)`. Never includes PEM content. */
export function describeSource(s: PemSource): string {
  return s.path ? `${s.origin} (${s.path})` : `${s.origin} (inline PEM)`;
}

function pick(part: Part, inputs: TlsInputs, env: NodeJS.ProcessEnv): { input: PemInput; source: PemSource } | undefined {
  const given = inputs[part];
  if (given !== undefined && given !== null && given !== '') {
    return { input: given, source: { origin: `option ${part}`, ...(isInlinePem(given) ? {} : { path: String(given) }) } };
  }
  if (inputs.certDir) {
    const path = join(inputs.certDir, FILE_NAMES[part]);
    return { input: path, source: { origin: 'certDir', path } };
  }
  const fromEnv = env[ENV_NAMES[part]];
  if (fromEnv) {
    return { input: fromEnv, source: { origin: `env ${ENV_NAMES[part]}`, ...(isInlinePem(fromEnv) ? {} : { path: fromEnv }) } };
  }
  if (env.PANTRY_CERT_DIR) {
    const path = join(env.PANTRY_CERT_DIR, FILE_NAMES[part]);
    return { input: path, source: { origin: 'env PANTRY_CERT_DIR', path } };
  }
  return undefined;
}

function isInlinePem(input: PemInput): boolean {
  return Buffer.isBuffer(input) || input.includes('-----BEGIN');
}

function read(part: Part, input: PemInput, source: PemSource): Buffer {
  const what = `${part} ${describeSource(source)}`;
  let bytes: Buffer;
  if (Buffer.isBuffer(input)) bytes = input;
  else if (source.path === undefined) bytes = Buffer.from(input);
  else {
    try {
      bytes = readFileSync(source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this process' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(err)})`;
      throw configError(Code.FAILED_PRECONDITION, `${what}: file ${why}`, fileHint(part));
    }
  }
  if (bytes.length === 0 || bytes.toString('latin1').trim() === '') throw configError(Code.FAILED_PRECONDITION, `${what}: is empty`, fileHint(part));
  if (!bytes.includes('-----BEGIN')) {
    const der = bytes[0] === 0x30;
    throw configError(
      Code.INVALID_ARGUMENT,
      `${what}: is not PEM${der ? ' (it looks like DER)' : ''}`,
      der
        ? `convert it: openssl ${part === 'key' ? 'pkey' : 'x509'} -inform der -in FILE -out FILE.pem`
        : 'expected text starting with "-----BEGIN"',
    );
  }
  return bytes;
}

function fileHint(part: Part): string {
  return `give ${part} as a path or PEM, or put ${FILE_NAMES[part]} in certDir (env ${ENV_NAMES[part]} or PANTRY_CERT_DIR)`;
}

function parseCertificates(part: Part, pem: Buffer, source: PemSource): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const what = `${part} ${describeSource(source)}`;
  if (blocks.length === 0) {
    const kind = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem.toString('latin1'))?.[1];
    throw configError(Code.INVALID_ARGUMENT, `${what}: holds no certificate${kind ? ` (found a ${kind} block)` : ''}`, part === 'cert' ? 'cert is the client certificate (client.crt); the key goes in key' : undefined);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw configError(Code.INVALID_ARGUMENT, `${what}: certificate ${i + 1} is not a valid X.509 certificate (damaged or truncated PEM)`);
    }
  });
}

function checkValidity(part: Part, cert: X509Certificate, source: PemSource, now: number): void {
  const what = `${part} ${describeSource(source)}`;
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (now < from) throw configError(Code.FAILED_PRECONDITION, `${what}: certificate "${nameOf(cert.subject)}" is not valid before ${new Date(from).toISOString()}`, 'check the clock of this machine, or wait until the certificate is valid');
  if (now > to) throw configError(Code.FAILED_PRECONDITION, `${what}: certificate "${nameOf(cert.subject)}" expired on ${new Date(to).toISOString()}`, 'renew the certificate (with cert-manager, check the Certificate resource)');
}

function parseKey(pem: Buffer, source: PemSource): KeyObject {
  const what = `key ${describeSource(source)}`;
  const text = pem.toString('latin1');
  if (text.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw configError(Code.INVALID_ARGUMENT, `${what}: the private key is encrypted`, 'gRPC needs an unencrypted key: openssl pkey -in client.key -out client.key.plain (keep it mode 600)');
  }
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(text)) {
    throw configError(Code.INVALID_ARGUMENT, `${what}: holds no private key`, 'key is the client private key (client.key); the certificate goes in cert');
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
export function loadTlsMaterial(inputs: TlsInputs, env: NodeJS.ProcessEnv = process.env, now = Date.now()): { material: TlsMaterial; warnings: TlsWarning[] } {
  const warnings: TlsWarning[] = [];
  const ca = pick('ca', inputs, env);
  const cert = pick('cert', inputs, env);
  const key = pick('key', inputs, env);
  if (!ca) {
    throw configError(Code.FAILED_PRECONDITION, 'no CA certificate given', 'pass certDir (with ca.crt), option ca, env PANTRY_CA_CERT or PANTRY_CERT_DIR; for a plaintext server pass insecure: true');
  }
  if (!cert !== !key) {
    const missing = cert ? 'key' : 'cert';
    throw configError(Code.INVALID_ARGUMENT, `${missing} is missing: a client certificate and its key go together (got only ${cert ? 'cert' : 'key'} from ${describeSource((cert ?? key)!.source)})`, fileHint(missing));
  }

  const caPem = read('ca', ca.input, ca.source);
  const caCerts = parseCertificates('ca', caPem, ca.source);
  for (const c of caCerts) checkValidity('ca', c, ca.source, now);

  const material: TlsMaterial = { ca: caPem, caCerts, sources: { ca: ca.source } };
  if (cert && key) {
    const certPem = read('cert', cert.input, cert.source);
    const leaf = parseCertificates('cert', certPem, cert.source)[0];
    checkValidity('cert', leaf, cert.source, now);
    const keyPem = read('key', key.input, key.source);
    const keyObject = parseKey(keyPem, key.source);
    if (!leaf.checkPrivateKey(keyObject)) {
      throw configError(Code.INVALID_ARGUMENT, `key ${describeSource(key.source)} does not match cert ${describeSource(cert.source)}`, 'use the key that was issued with this certificate (the same Secret, tls.key with tls.crt)');
    }
    if (!caCerts.some((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey))) {
      warnings.push(`cert ${describeSource(cert.source)} ("${nameOf(leaf.subject)}", issuer "${nameOf(leaf.issuer)}") is not signed by the CA in ${describeSource(ca.source)}; fine when the proxy trusts another CA, otherwise the proxy will reject it`);
    }
    if (key.source.path) {
      try {
        const mode = statSync(key.source.path).mode & 0o777;
        if (mode & 0o077) warnings.push(`key ${key.source.path} is readable by group or others (mode ${mode.toString(8).padStart(3, '0')}); chmod 600 it`);
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
    value: () => `TlsMaterial { ca: ${describeSource(material.sources.ca)}, cert: ${material.sources.cert ? describeSource(material.sources.cert) : 'none'}, key: [redacted] }`,
    enumerable: false,
  });
}

/** True when every piece of the material was read from a file, so it can be watched for renewal. */
export function isFileBacked(material: TlsMaterial): boolean {
  const s = material.sources;
  return [s.ca, s.cert, s.key].every((x) => x === undefined || x.path !== undefined);
}
