import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertificateWatcher } from '../../src/tls/certificate-watcher.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { Code, createClient, PantryError, type ClientOptions } from '../../src/index.js';
import { writeDevCertificates } from '../../src/testing/dev-certificates.js';
import { captureLogger, keyBody, leaksKey, tempCerts } from '../helpers.js';

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
let other: Certs;
let bad: string; // directory of broken files
let keyDer: Uint8Array; // the client key as DER bytes (how a secrets manager may hand it over)

const DAY = 86_400_000;

beforeAll(async () => {
  certs = await tempCerts();
  other = await tempCerts();
  bad = join(certs.root, 'bad');
  await mkdir(bad);
  const der = new X509Certificate(certs.caCert).raw;
  const encrypted = createPrivateKey(certs.clientKey).export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: 'secret',
  }) as string;
  const files: Record<string, string | Buffer> = {
    'empty.crt': '',
    'der.crt': der,
    'garbage.crt': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    'encrypted.key': encrypted,
    'truncated.key': `${certs.clientKey.slice(0, 60)}\n-----END PRIVATE KEY-----\n`,
    'text.txt': 'hello, not pem\n',
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(bad, name), body);
  await other.issueClient(join(bad, 'expired'), {
    validity: { notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) },
  });
  await certs.issueClient(join(bad, 'future'), {
    validity: { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 60 * DAY) },
  });
  keyDer = new Uint8Array(createPrivateKey(certs.clientKey).export({ format: 'der', type: 'pkcs8' }));
  execFileSync('mkfifo', [join(bad, 'fifo.crt')]);
  await writeFile(
    join(bad, 'big.crt'),
    `-----BEGIN CERTIFICATE-----\n${'QUFB\n'.repeat(420_000)}-----END CERTIFICATE-----\n`,
  );
  // A renewal caught mid-write: the leaf complete, its intermediate cut off.
  const chain = await certs.issueClient(join(bad, 'chain'), { viaIntermediate: true });
  await writeFile(
    join(bad, 'chain', 'partial.crt'),
    chain.cert.slice(0, chain.cert.indexOf('-----END CERTIFICATE-----') + 26 + 300),
  );
  await certs.issueClient(join(bad, 'server-only'), { extendedKeyUsage: 'serverAuth' });
  // The old CA of a rotation, expired; alone, and in a bundle with the current one.
  const old = await writeDevCertificates(join(certs.root, 'old-ca'), {
    caName: 'old pantry CA',
    caValidity: { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) },
  });
  await writeFile(join(bad, 'rotation.crt'), old.caCert + certs.caCert);
});

afterAll(async () => {
  await certs.cleanup();
  await other.cleanup();
});

/** True when the key shows as a list of byte values (its DER or its PEM text), as a Uint8Array prints. */
function leaksBytes(text: string): boolean {
  const flat = text.replace(/\s+/g, '');
  return [keyDer.subarray(0, 24), Buffer.from(certs.clientKey).subarray(0, 24)].some((b) =>
    flat.includes([...b].join(',')),
  );
}

const ok = () => ({
  ca: join(certs.dir, 'ca.crt'),
  cert: join(certs.dir, 'client.crt'),
  key: join(certs.dir, 'client.key'),
});

interface Case {
  name: string;
  options: () => ClientOptions;
  code: Code;
  fragments: () => string[];
}

const cases: Case[] = [
  {
    name: 'no address anywhere',
    options: () => ({ ...ok(), env: {} }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['no address given'],
  },
  {
    name: 'an address with a URL scheme',
    options: () => ({ ...ok(), address: 'https://pantry.example.com:443' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['https://pantry.example.com:443', 'option address', 'URL scheme'],
  },
  {
    name: 'a port out of range',
    options: () => ({ ...ok(), address: 'pantry:99999' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['port "99999"'],
  },
  {
    name: 'a port that is not a number',
    options: () => ({ ...ok(), address: 'pantry:https' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['port "https"'],
  },
  {
    name: 'a host with spaces',
    options: () => ({ ...ok(), address: 'my pantry:443' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['"my pantry" is not a valid host'],
  },
  {
    name: 'an IPv6 address without brackets',
    options: () => ({ ...ok(), address: '::1:443' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['brackets'],
  },
  {
    name: 'a malformed PANTRY_ADDRESS',
    options: () => ({ ...ok(), env: { PANTRY_ADDRESS: 'pantry:0' } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['env PANTRY_ADDRESS', 'port "0"'],
  },
  {
    name: 'a certDir without the files',
    options: () => ({ address: 'localhost:1', certDir: join(certs.root, 'nowhere') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['ca certDir', join(certs.root, 'nowhere', 'ca.crt'), 'does not exist'],
  },
  {
    name: 'an empty CA file',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'empty.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option ca', 'empty.crt', 'is empty'],
  },
  {
    name: 'a DER CA file',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'der.crt') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['der.crt', 'not PEM', 'DER'],
  },
  {
    name: 'a garbage CA certificate',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'garbage.crt') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['garbage.crt', 'not a valid X.509'],
  },
  {
    name: 'a text file as CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'text.txt') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['text.txt', 'not PEM'],
  },
  {
    name: 'a private key given as the CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(certs.dir, 'client.key') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option ca', 'holds no certificate', 'PRIVATE KEY'],
  },
  {
    name: 'a directory given as the CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: certs.dir }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option ca', 'is a directory'],
  },
  {
    name: 'a missing client certificate file',
    options: () => ({ ...ok(), address: 'localhost:1', cert: join(bad, 'missing.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option cert', 'missing.crt', 'does not exist'],
  },
  {
    name: 'an encrypted key',
    options: () => ({ ...ok(), address: 'localhost:1', key: join(bad, 'encrypted.key') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['encrypted.key', 'encrypted'],
  },
  {
    name: 'a truncated key',
    options: () => ({ ...ok(), address: 'localhost:1', key: join(bad, 'truncated.key') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['truncated.key', 'not a valid private key'],
  },
  {
    name: 'a certificate given as the key',
    options: () => ({ ...ok(), address: 'localhost:1', key: join(certs.dir, 'client.crt') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option key', 'holds no private key'],
  },
  {
    name: 'a key that does not match the certificate',
    options: () => ({ ...ok(), address: 'localhost:1', key: join(other.dir, 'client.key') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => [join(other.dir, 'client.key'), 'does not match', join(certs.dir, 'client.crt')],
  },
  {
    name: 'an expired client certificate',
    options: () => ({
      address: 'localhost:1',
      ca: join(other.dir, 'ca.crt'),
      cert: join(bad, 'expired', 'client.crt'),
      key: join(bad, 'expired', 'client.key'),
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['expired', 'client.crt', 'expired on'],
  },
  {
    name: 'a client certificate not yet valid',
    options: () => ({
      address: 'localhost:1',
      ca: join(certs.dir, 'ca.crt'),
      cert: join(bad, 'future', 'client.crt'),
      key: join(bad, 'future', 'client.key'),
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['future', 'not valid before'],
  },
  {
    name: 'a certificate without its key',
    options: () => ({
      address: 'localhost:1',
      ca: join(certs.dir, 'ca.crt'),
      cert: join(certs.dir, 'client.crt'),
      env: {},
    }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['key is missing', 'option cert'],
  },
  {
    name: 'a PANTRY_CA_CERT path that does not exist',
    options: () => ({
      address: 'localhost:1',
      env: {
        PANTRY_CA_CERT: '/nonexistent/ca.crt',
        PANTRY_CLIENT_CERT: join(certs.dir, 'client.crt'),
        PANTRY_CLIENT_KEY: join(certs.dir, 'client.key'),
      },
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['env PANTRY_CA_CERT', '/nonexistent/ca.crt'],
  },
  {
    name: 'no CA from any source',
    options: () => ({ address: 'localhost:1', env: {} }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['no CA certificate given'],
  },
  {
    name: 'a negative deadline',
    options: () => ({ ...ok(), address: 'localhost:1', deadlineMs: -5 }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option deadlineMs', '-5'],
  },
  {
    name: 'a PANTRY_DEADLINE_MS that is not a number',
    options: () => ({ ...ok(), address: 'localhost:1', env: { PANTRY_DEADLINE_MS: 'ten' } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['env PANTRY_DEADLINE_MS', '"ten"'],
  },
  {
    name: 'a misspelt option',
    options: () => ({ ...ok(), address: 'localhost:1', deadlinMs: 5 }) as ClientOptions,
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['unknown option "deadlinMs"'],
  },
  {
    name: 'an inherited name as an option',
    options: () => ({ ...ok(), address: 'localhost:1', ...JSON.parse('{"constructor": 1}') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['unknown option "constructor"'],
  },
  {
    name: 'a JSON __proto__ key as an option',
    options: () => ({ ...ok(), address: 'localhost:1', ...JSON.parse('{"__proto__": {"x": 1}}') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['unknown option "__proto__"'],
  },
  {
    name: 'a methodDeadlineMs key that names no method',
    options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { listFood: 200 } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => [
      'option methodDeadlineMs: no method named "listFood"',
      'valid names: hello, Hello, addFood, AddFood',
    ],
  },
  {
    name: 'an inherited name in methodDeadlineMs',
    options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: JSON.parse('{"toString": 200}') }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['no method named "toString"'],
  },
  {
    name: 'one method twice in methodDeadlineMs',
    options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { listFoods: 200, ListFoods: 300 } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['"listFoods" and "ListFoods" name the same method'],
  },
  {
    name: 'a methodDeadlineMs value as a word',
    options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { ListFoods: 'soon' as never } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option methodDeadlineMs.ListFoods', '"soon"'],
  },
  {
    name: 'a misspelt retry setting',
    options: () => ({ ...ok(), address: 'localhost:1', retry: { maxAttempt: 3 } as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option retry: unknown retry setting "maxAttempt"'],
  },
  {
    name: 'redactKeys that is not a list of names',
    options: () => ({ ...ok(), address: 'localhost:1', redactKeys: 'tenant' as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option redactKeys'],
  },
  {
    name: 'zero retry attempts',
    options: () => ({ ...ok(), address: 'localhost:1', retry: { maxAttempts: 0 } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option retry.maxAttempts', '0'],
  },
  {
    name: 'insecure together with certificates',
    options: () => ({ address: 'localhost:1', insecure: true, certDir: certs.dir }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['insecure: true together'],
  },
  {
    name: 'a serverName that is not a DNS name',
    options: () => ({ ...ok(), address: '127.0.0.1:1', serverName: 'not a name' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['serverName "not a name"'],
  },
  {
    name: 'a retry throttle with no tokens',
    options: () => ({ ...ok(), address: 'localhost:1', retryThrottle: { maxTokens: 0 } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['retryThrottle.maxTokens'],
  },
  // Item 1: a key in a form that is neither PEM nor a path is never echoed.
  {
    name: 'a key given as its base64 body',
    options: () => ({ ...ok(), address: 'localhost:1', key: keyBody(certs.clientKey) }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => [
      'option key (not PEM and not a file path; value not shown)',
      'neither PEM text nor an existing file',
    ],
  },
  {
    name: 'a key given base64-encoded whole',
    options: () => ({ ...ok(), address: 'localhost:1', key: Buffer.from(certs.clientKey).toString('base64') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option key', 'value not shown'],
  },
  {
    name: 'a base64 key body in PANTRY_CLIENT_KEY',
    options: () => ({
      address: 'localhost:1',
      env: { PANTRY_CA_CERT: ok().ca, PANTRY_CLIENT_CERT: ok().cert, PANTRY_CLIENT_KEY: keyBody(certs.clientKey) },
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['env PANTRY_CLIENT_KEY', 'value not shown'],
  },
  {
    name: 'a key as a Uint8Array of DER bytes',
    options: () => ({ ...ok(), address: 'localhost:1', key: keyDer }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option key (inline PEM)', 'looks like DER'],
  },
  {
    name: 'a key as an array holding its base64 body',
    options: () => ({ ...ok(), address: 'localhost:1', key: [keyBody(certs.clientKey)] }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option key (inline PEM)', 'is not PEM', 'base64'],
  },
  // Item 12 (types and addresses).
  {
    name: 'a number as the CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: 123 as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option ca must be a file path, PEM text', 'got number'],
  },
  {
    name: 'an object as the key',
    options: () => ({ ...ok(), address: 'localhost:1', key: {} as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option key must be a file path, PEM text', 'got object'],
  },
  {
    name: 'a number as certDir',
    options: () => ({ address: 'localhost:1', certDir: 42 as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option certDir must be a directory path string', 'got number'],
  },
  {
    name: 'bracketed text that is no IPv6 address',
    options: () => ({ ...ok(), address: '[1:2:3]:443' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['"1:2:3" is not an IPv6 address'],
  },
  {
    name: 'an IPv4 address out of range',
    options: () => ({ ...ok(), address: '999.1.1.1:443' }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['"999.1.1.1" is not a valid IPv4 address'],
  },
  // Item 8: regular files only, with a size cap.
  {
    name: 'a FIFO as the CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'fifo.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option ca', 'fifo.crt', 'is a FIFO (named pipe), not a regular file'],
  },
  {
    name: '/dev/zero as the CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: '/dev/zero' }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option ca (/dev/zero)', 'is a character device, not a regular file'],
  },
  {
    name: 'a CA file over the size limit',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'big.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['big.crt', 'more than the 1 MiB'],
  },
  // Item 7: a cut-off block is never taken.
  {
    name: 'a chain whose intermediate is cut off',
    options: () => ({
      ...ok(),
      address: 'localhost:1',
      cert: join(bad, 'chain', 'partial.crt'),
      key: join(bad, 'chain', 'client.key'),
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option cert', 'partial.crt', 'cut-off PEM block'],
  },
  // Items 6 and 11: what the CA and the client certificate must be.
  {
    name: 'a CA file with only an expired CA',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(certs.root, 'old-ca', 'ca.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['no usable CA certificate', 'old pantry CA', 'expired on'],
  },
  {
    name: 'a server certificate given as the CA (CA:FALSE)',
    options: () => ({ ...ok(), address: 'localhost:1', ca: join(certs.dir, 'server.crt') }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => [
      'option ca',
      'server.crt',
      '"CN=pantry-server, O=pantry" is not a CA (basic constraints CA:FALSE',
    ],
  },
  {
    name: 'a client certificate without clientAuth',
    options: () => ({
      ...ok(),
      address: 'localhost:1',
      cert: join(bad, 'server-only', 'client.crt'),
      key: join(bad, 'server-only', 'client.key'),
    }),
    code: Code.FAILED_PRECONDITION,
    fragments: () => ['option cert', 'is not for client authentication', 'serverAuth'],
  },
  // Item 10: every error a PantryError.
  {
    name: 'a service config that is not JSON',
    options: () => ({ ...ok(), address: 'localhost:1', channelOptions: { 'grpc.service_config': 'not json' } }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ["option channelOptions['grpc.service_config'] is not JSON"],
  },
  {
    name: 'a service config grpc-js refuses',
    options: () => ({
      ...ok(),
      address: 'localhost:1',
      channelOptions: { 'grpc.service_config': '{"loadBalancingConfig": 5}' },
    }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['createClient: Invalid service config', 'loadBalancingConfig', 'channelOptions'],
  },
  {
    name: 'watchCertificates that is not a boolean',
    options: () => ({ address: 'localhost:1', certDir: certs.dir, watchCertificates: 'yes' as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option watchCertificates must be true or false, got "yes"'],
  },
  {
    // Unary calls bypass grpc-js's client layer (Channel#createCall): its interceptors would be ignored.
    name: 'grpc-js client interceptors in channelOptions',
    options: () => ({ ...ok(), address: 'localhost:1', channelOptions: { interceptors: [] } as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option channelOptions.interceptors is not supported', 'attemptInterceptors'],
  },
  {
    name: 'interceptors that are not functions',
    options: () => ({ ...ok(), address: 'localhost:1', interceptors: ['auth'] as never }),
    code: Code.INVALID_ARGUMENT,
    fragments: () => ['option interceptors'],
  },
];

describe('createClient rejects bad input before connecting', () => {
  it.each(cases)('$name', ({ options, code, fragments }) => {
    let error: unknown;
    try {
      createClient(options()).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PantryError);
    const e = error as PantryError;
    expect(e.codeName).toBe(Code[code]);
    for (const f of fragments()) expect(e.message).toContain(f);
    // No error, however it fails, carries key material.
    expect(leaksKey(`${e.message}\n${e.stack}\n${inspect(e)}`, certs.clientKey)).toBe(false);
    expect(leaksKey(`${e.message}\n${e.stack}`, other.clientKey)).toBe(false);
    expect(leaksBytes(`${e.message}\n${e.stack}\n${inspect(e)}`)).toBe(false);
  });

  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it('rejects a non-string certDir argument', () => {
    expect(() => createClient('localhost:1', 42 as never)).toThrow(/certDir must be a directory path string/);
  });
});

describe('createClient warns without failing', () => {
  it('warns when the client certificate is not signed by the given CA', () => {
    const logger = captureLogger();
    createClient({
      address: 'localhost:1',
      ca: join(certs.dir, 'ca.crt'),
      cert: join(other.dir, 'client.crt'),
      key: join(other.dir, 'client.key'),
      logger,
    }).close();
    expect(logger.lines.join('\n')).toMatch(/warn credentials \| cert .*client\.crt.* is not signed by the CA/);
  });

  it('warns when the key file is readable by others', async () => {
    const logger = captureLogger();
    const dir = join(certs.root, 'loose');
    await certs.issueClient(dir);
    await writeFile(join(dir, 'ca.crt'), certs.caCert);
    await chmod(join(dir, 'client.key'), 0o644);
    createClient({ address: 'localhost:1', certDir: dir, logger }).close();
    expect(logger.lines.join('\n')).toMatch(/client\.key is readable by group or others \(mode 644\)/);
  });

  it('stays silent for a proper certDir', () => {
    const logger = captureLogger();
    createClient({ address: 'localhost:1', certDir: certs.dir, logger }).close();
    expect(logger.lines).toEqual([]);
  });
});

describe('sources and secrecy', () => {
  it('takes inline PEM from the environment', async () => {
    const env = {
      PANTRY_ADDRESS: 'localhost:1',
      PANTRY_CA_CERT: certs.caCert,
      PANTRY_CLIENT_CERT: certs.clientCert,
      PANTRY_CLIENT_KEY: certs.clientKey,
    };
    const client = createClient({ env });
    expect(client.address).toBe('localhost:1');
    client.close();
  });

  it('prefers explicit options over certDir and env', () => {
    const logger = captureLogger();
    const client = createClient({
      address: 'localhost:1',
      certDir: join(certs.root, 'nowhere'),
      ...ok(),
      env: { PANTRY_CERT_DIR: '/nonexistent' },
      logger,
      trace: 'credentials',
    });
    client.close();
    expect(logger.lines.join('\n')).toContain(`ca from option ca (${join(certs.dir, 'ca.crt')})`);
  });

  it('never shows the key in inspect() or trace lines', async () => {
    const logger = captureLogger();
    const client = createClient({ address: 'localhost:1', certDir: certs.dir, logger, trace: 'all' });
    const text = inspect(client, { depth: 10, showHidden: true }) + logger.lines.join('\n');
    client.close();
    expect(text).toContain('localhost:1');
    expect(leaksKey(text, await readFile(join(certs.dir, 'client.key'), 'utf8'))).toBe(false);
  });
});

describe('a key in any form never shows', () => {
  it('accepts the key as a Uint8Array, a Buffer or an array of PEM, as node:tls does', () => {
    for (const key of [new Uint8Array(Buffer.from(certs.clientKey)), Buffer.from(certs.clientKey), [certs.clientKey]]) {
      const client = createClient({ ...ok(), address: 'localhost:1', key, logger: captureLogger() });
      expect(inspect(client)).toContain('localhost:1');
      client.close();
    }
  });

  it('keeps a base64 key out of the doctor report (pantry-client doctor --json)', async () => {
    const report = await runDoctor({ ...ok(), address: 'localhost:1', key: keyBody(certs.clientKey), timeoutMs: 2000 });
    const json = JSON.stringify(report);
    expect(report.steps[0]).toMatchObject({ name: 'certificates', status: 'fail' });
    expect(report.steps[0].cause).toContain('option key (not PEM and not a file path; value not shown)');
    expect(leaksKey(json, certs.clientKey)).toBe(false);
  });
});

describe('CA bundles, chains and renewals', () => {
  it('warns naming an expired CA in a bundle and keeps the usable one (a CA rotation)', () => {
    const logger = captureLogger();
    createClient({ ...ok(), address: 'localhost:1', ca: join(bad, 'rotation.crt'), logger }).close();
    expect(logger.lines.join('\n')).toMatch(
      /warn credentials \| ca option ca \(.*rotation\.crt\): ignoring certificate "CN=old pantry CA, O=pantry" expired on .*; 1 other CA certificate in it still usable/,
    );
    expect(logger.lines.join('\n')).not.toMatch(/not signed by the CA/);
  });

  it('draws no warning for a leaf sent with its intermediate, and still warns for a chain to another CA', () => {
    const quiet = captureLogger();
    createClient({
      ...ok(),
      address: 'localhost:1',
      cert: join(bad, 'chain', 'client.crt'),
      key: join(bad, 'chain', 'client.key'),
      logger: quiet,
    }).close();
    expect(quiet.lines).toEqual([]);
    const loud = captureLogger();
    createClient({
      ...ok(),
      address: 'localhost:1',
      ca: join(other.dir, 'ca.crt'),
      cert: join(bad, 'chain', 'client.crt'),
      key: join(bad, 'chain', 'client.key'),
      logger: loud,
    }).close();
    expect(loud.lines.join('\n')).toMatch(
      /is not signed by the CA in .*, directly or through the 1 intermediate certificate\(s\) sent with it/,
    );
  });

  it('keeps the current certificates while a renewed chain is half-written, and takes it once whole', async () => {
    const dir = join(certs.root, 'renewing');
    await mkdir(dir);
    for (const f of ['ca.crt', 'client.crt', 'client.key']) await copyFile(join(certs.dir, f), join(dir, f));
    const logger = captureLogger();
    const client = createClient({ address: 'localhost:1', certDir: dir, logger });
    try {
      const renewed = await readFile(join(bad, 'chain', 'client.crt'), 'utf8');
      await writeFile(join(dir, 'client.key'), await readFile(join(bad, 'chain', 'client.key')), { mode: 0o600 });
      await copyFile(join(bad, 'chain', 'partial.crt'), join(dir, 'client.crt'));
      expect(client.reloadCertificates()).toBe(false);
      expect(logger.lines.join('\n')).toMatch(/not usable yet, keeping the current ones: .*cut-off PEM block/);
      await writeFile(join(dir, 'client.crt'), renewed);
      expect(client.reloadCertificates()).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe('createClient stops what it started when it throws', () => {
  it('throws only PantryErrors, also from a step without a check of its own', () => {
    expect(() => createClient({ address: 'localhost:1', certDir: certs.dir, trace: 5 as never })).toThrow(PantryError);
  });

  it('closes the certificate watcher when grpc-js refuses the channel options', () => {
    const close = vi.spyOn(CertificateWatcher.prototype, 'close');
    try {
      expect(() =>
        createClient({
          address: 'localhost:1',
          certDir: certs.dir,
          channelOptions: { 'grpc.service_config': '{"loadBalancingConfig": 5}' },
        }),
      ).toThrow(PantryError);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
    }
  });
});

describe('per-method deadlines', () => {
  it.each(['listFoods', 'ListFoods'])('applies methodDeadlineMs given as %s', async (name) => {
    const logger = captureLogger();
    await using client = createClient({
      address: 'localhost:1',
      certDir: certs.dir,
      logger,
      trace: 'deadline',
      retry: false,
      methodDeadlineMs: { [name]: 200 },
    });
    await client.foodStorage.listFoods({}).catch(() => undefined);
    await client.foodStorage.getFood({ id: 'food-00000001' }).catch(() => undefined);
    const lines = logger.lines.join('\n');
    expect(lines).toMatch(/ListFoods deadline in (19\d|200) ms/);
    expect(lines).toMatch(/GetFood deadline in (99\d\d|10000) ms/);
  });
});
