import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, PantryError, type ClientOptions } from '../../src/index.js';
import { captureLogger, leaksKey, tempCerts } from '../helpers.js';

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
let other: Certs;
let bad: string; // directory of broken files

const DAY = 86_400_000;

beforeAll(async () => {
  certs = await tempCerts();
  other = await tempCerts();
  bad = join(certs.root, 'bad');
  await mkdir(bad);
  const der = new X509Certificate(certs.caCert).raw;
  const encrypted = createPrivateKey(certs.clientKey).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
  const files: Record<string, string | Buffer> = {
    'empty.crt': '',
    'der.crt': der,
    'garbage.crt': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    'encrypted.key': encrypted,
    'truncated.key': certs.clientKey.slice(0, 60) + '\n-----END PRIVATE KEY-----\n',
    'text.txt': 'hello, not pem\n',
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(bad, name), body);
  await other.issueClient(join(bad, 'expired'), { validity: { notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) } });
  await certs.issueClient(join(bad, 'future'), { validity: { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 60 * DAY) } });
});

afterAll(async () => {
  await certs.cleanup();
  await other.cleanup();
});

const ok = () => ({ ca: join(certs.dir, 'ca.crt'), cert: join(certs.dir, 'client.crt'), key: join(certs.dir, 'client.key') });

interface Case {
  name: string;
  options: () => ClientOptions;
  code: Code;
  fragments: () => string[];
}

const cases: Case[] = [
  { name: 'no address anywhere', options: () => ({ ...ok(), env: {} }), code: Code.INVALID_ARGUMENT, fragments: () => ['no address given'] },
  { name: 'an address with a URL scheme', options: () => ({ ...ok(), address: 'https://pantry.example.com:443' }), code: Code.INVALID_ARGUMENT, fragments: () => ['https://pantry.example.com:443', 'option address', 'URL scheme'] },
  { name: 'a port out of range', options: () => ({ ...ok(), address: 'pantry:99999' }), code: Code.INVALID_ARGUMENT, fragments: () => ['port "99999"'] },
  { name: 'a port that is not a number', options: () => ({ ...ok(), address: 'pantry:https' }), code: Code.INVALID_ARGUMENT, fragments: () => ['port "https"'] },
  { name: 'a host with spaces', options: () => ({ ...ok(), address: 'my pantry:443' }), code: Code.INVALID_ARGUMENT, fragments: () => ['"my pantry" is not a valid host'] },
  { name: 'an IPv6 address without brackets', options: () => ({ ...ok(), address: '::1:443' }), code: Code.INVALID_ARGUMENT, fragments: () => ['brackets'] },
  { name: 'a malformed PANTRY_ADDRESS', options: () => ({ ...ok(), env: { PANTRY_ADDRESS: 'pantry:0' } }), code: Code.INVALID_ARGUMENT, fragments: () => ['env PANTRY_ADDRESS', 'port "0"'] },
  { name: 'a certDir without the files', options: () => ({ address: 'localhost:1', certDir: join(certs.root, 'nowhere') }), code: Code.FAILED_PRECONDITION, fragments: () => ['ca certDir', join(certs.root, 'nowhere', 'ca.crt'), 'does not exist'] },
  { name: 'an empty CA file', options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'empty.crt') }), code: Code.FAILED_PRECONDITION, fragments: () => ['option ca', 'empty.crt', 'is empty'] },
  { name: 'a DER CA file', options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'der.crt') }), code: Code.INVALID_ARGUMENT, fragments: () => ['der.crt', 'not PEM', 'DER'] },
  { name: 'a garbage CA certificate', options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'garbage.crt') }), code: Code.INVALID_ARGUMENT, fragments: () => ['garbage.crt', 'not a valid X.509'] },
  { name: 'a text file as CA', options: () => ({ ...ok(), address: 'localhost:1', ca: join(bad, 'text.txt') }), code: Code.INVALID_ARGUMENT, fragments: () => ['text.txt', 'not PEM'] },
  { name: 'a private key given as the CA', options: () => ({ ...ok(), address: 'localhost:1', ca: join(certs.dir, 'client.key') }), code: Code.INVALID_ARGUMENT, fragments: () => ['option ca', 'holds no certificate', 'PRIVATE KEY'] },
  { name: 'a directory given as the CA', options: () => ({ ...ok(), address: 'localhost:1', ca: certs.dir }), code: Code.FAILED_PRECONDITION, fragments: () => ['option ca', 'is a directory'] },
  { name: 'a missing client certificate file', options: () => ({ ...ok(), address: 'localhost:1', cert: join(bad, 'missing.crt') }), code: Code.FAILED_PRECONDITION, fragments: () => ['option cert', 'missing.crt', 'does not exist'] },
  { name: 'an encrypted key', options: () => ({ ...ok(), address: 'localhost:1', key: join(bad, 'encrypted.key') }), code: Code.INVALID_ARGUMENT, fragments: () => ['encrypted.key', 'encrypted'] },
  { name: 'a truncated key', options: () => ({ ...ok(), address: 'localhost:1', key: join(bad, 'truncated.key') }), code: Code.INVALID_ARGUMENT, fragments: () => ['truncated.key', 'not a valid private key'] },
  { name: 'a certificate given as the key', options: () => ({ ...ok(), address: 'localhost:1', key: join(certs.dir, 'client.crt') }), code: Code.INVALID_ARGUMENT, fragments: () => ['option key', 'holds no private key'] },
  { name: 'a key that does not match the certificate', options: () => ({ ...ok(), address: 'localhost:1', key: join(other.dir, 'client.key') }), code: Code.INVALID_ARGUMENT, fragments: () => [join(other.dir, 'client.key'), 'does not match', join(certs.dir, 'client.crt')] },
  { name: 'an expired client certificate', options: () => ({ address: 'localhost:1', ca: join(other.dir, 'ca.crt'), cert: join(bad, 'expired', 'client.crt'), key: join(bad, 'expired', 'client.key') }), code: Code.FAILED_PRECONDITION, fragments: () => ['expired', 'client.crt', 'expired on'] },
  { name: 'a client certificate not yet valid', options: () => ({ address: 'localhost:1', ca: join(certs.dir, 'ca.crt'), cert: join(bad, 'future', 'client.crt'), key: join(bad, 'future', 'client.key') }), code: Code.FAILED_PRECONDITION, fragments: () => ['future', 'not valid before'] },
  { name: 'a certificate without its key', options: () => ({ address: 'localhost:1', ca: join(certs.dir, 'ca.crt'), cert: join(certs.dir, 'client.crt'), env: {} }), code: Code.INVALID_ARGUMENT, fragments: () => ['key is missing', 'option cert'] },
  { name: 'a PANTRY_CA_CERT path that does not exist', options: () => ({ address: 'localhost:1', env: { PANTRY_CA_CERT: '/nonexistent/ca.crt', PANTRY_CLIENT_CERT: join(certs.dir, 'client.crt'), PANTRY_CLIENT_KEY: join(certs.dir, 'client.key') } }), code: Code.FAILED_PRECONDITION, fragments: () => ['env PANTRY_CA_CERT', '/nonexistent/ca.crt'] },
  { name: 'no CA from any source', options: () => ({ address: 'localhost:1', env: {} }), code: Code.FAILED_PRECONDITION, fragments: () => ['no CA certificate given'] },
  { name: 'a negative deadline', options: () => ({ ...ok(), address: 'localhost:1', deadlineMs: -5 }), code: Code.INVALID_ARGUMENT, fragments: () => ['option deadlineMs', '-5'] },
  { name: 'a PANTRY_DEADLINE_MS that is not a number', options: () => ({ ...ok(), address: 'localhost:1', env: { PANTRY_DEADLINE_MS: 'ten' } }), code: Code.INVALID_ARGUMENT, fragments: () => ['env PANTRY_DEADLINE_MS', '"ten"'] },
  { name: 'a misspelt option', options: () => ({ ...ok(), address: 'localhost:1', deadlinMs: 5 }) as ClientOptions, code: Code.INVALID_ARGUMENT, fragments: () => ['unknown option "deadlinMs"'] },
  { name: 'an inherited name as an option', options: () => ({ ...ok(), address: 'localhost:1', ...JSON.parse('{"constructor": 1}') }), code: Code.INVALID_ARGUMENT, fragments: () => ['unknown option "constructor"'] },
  { name: 'a JSON __proto__ key as an option', options: () => ({ ...ok(), address: 'localhost:1', ...JSON.parse('{"__proto__": {"x": 1}}') }), code: Code.INVALID_ARGUMENT, fragments: () => ['unknown option "__proto__"'] },
  { name: 'a methodDeadlineMs key that names no method', options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { listFood: 200 } }), code: Code.INVALID_ARGUMENT, fragments: () => ['option methodDeadlineMs: no method named "listFood"', 'valid names: hello, Hello, addFood, AddFood'] },
  { name: 'an inherited name in methodDeadlineMs', options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: JSON.parse('{"toString": 200}') }), code: Code.INVALID_ARGUMENT, fragments: () => ['no method named "toString"'] },
  { name: 'one method twice in methodDeadlineMs', options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { listFoods: 200, ListFoods: 300 } }), code: Code.INVALID_ARGUMENT, fragments: () => ['"listFoods" and "ListFoods" name the same method'] },
  { name: 'a methodDeadlineMs value as a word', options: () => ({ ...ok(), address: 'localhost:1', methodDeadlineMs: { ListFoods: 'soon' as never } }), code: Code.INVALID_ARGUMENT, fragments: () => ['option methodDeadlineMs.ListFoods', '"soon"'] },
  { name: 'a misspelt retry setting', options: () => ({ ...ok(), address: 'localhost:1', retry: { maxAttempt: 3 } as never }), code: Code.INVALID_ARGUMENT, fragments: () => ['option retry: unknown retry setting "maxAttempt"'] },
  { name: 'redactKeys that is not a list of names', options: () => ({ ...ok(), address: 'localhost:1', redactKeys: 'tenant' as never }), code: Code.INVALID_ARGUMENT, fragments: () => ['option redactKeys'] },
  { name: 'zero retry attempts', options: () => ({ ...ok(), address: 'localhost:1', retry: { maxAttempts: 0 } }), code: Code.INVALID_ARGUMENT, fragments: () => ['option retry.maxAttempts', '0'] },
  { name: 'insecure together with certificates', options: () => ({ address: 'localhost:1', insecure: true, certDir: certs.dir }), code: Code.INVALID_ARGUMENT, fragments: () => ['insecure: true together'] },
  { name: 'a serverName that is not a DNS name', options: () => ({ ...ok(), address: '127.0.0.1:1', serverName: 'not a name' }), code: Code.INVALID_ARGUMENT, fragments: () => ['serverName "not a name"'] },
  { name: 'a retry throttle with no tokens', options: () => ({ ...ok(), address: 'localhost:1', retryThrottle: { maxTokens: 0 } }), code: Code.INVALID_ARGUMENT, fragments: () => ['retryThrottle.maxTokens'] },
  { name: 'interceptors that are not functions', options: () => ({ ...ok(), address: 'localhost:1', interceptors: ['auth'] as never }), code: Code.INVALID_ARGUMENT, fragments: () => ['option interceptors'] },
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
    createClient({ address: 'localhost:1', ca: join(certs.dir, 'ca.crt'), cert: join(other.dir, 'client.crt'), key: join(other.dir, 'client.key'), logger }).close();
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
    const env = { PANTRY_ADDRESS: 'localhost:1', PANTRY_CA_CERT: certs.caCert, PANTRY_CLIENT_CERT: certs.clientCert, PANTRY_CLIENT_KEY: certs.clientKey };
    const client = createClient({ env });
    expect(client.address).toBe('localhost:1');
    client.close();
  });

  it('prefers explicit options over certDir and env', () => {
    const logger = captureLogger();
    const client = createClient({ address: 'localhost:1', certDir: join(certs.root, 'nowhere'), ...ok(), env: { PANTRY_CERT_DIR: '/nonexistent' }, logger, trace: 'credentials' });
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

describe('per-method deadlines', () => {
  it.each(['listFoods', 'ListFoods'])('applies methodDeadlineMs given as %s', async (name) => {
    const logger = captureLogger();
    await using client = createClient({ address: 'localhost:1', certDir: certs.dir, logger, trace: 'deadline', retry: false, methodDeadlineMs: { [name]: 200 } });
    await client.foodStorage.listFoods({}).catch(() => undefined);
    await client.foodStorage.getFood({ id: 'food-00000001' }).catch(() => undefined);
    const lines = logger.lines.join('\n');
    expect(lines).toMatch(/ListFoods deadline in (19\d|200) ms/);
    expect(lines).toMatch(/GetFood deadline in (99\d\d|10000) ms/);
  });
});
