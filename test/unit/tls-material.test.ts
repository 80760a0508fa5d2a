import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { isFileBacked, loadTlsMaterial, nameOf } from '../../src/tls/material.js';
import { MAX_PEM_BYTES, pemBlocks, readPem } from '../../src/tls/pem-file.js';
import { certDirOf, describeSource, looksLikeBase64, resolvePemInput } from '../../src/tls/pem-source.js';
import { writeDevCertificates } from '../../src/testing/dev-certificates.js';
import { tempCerts } from '../helpers.js';

// tls/ material, called directly: where each input comes from and in which order, what each bad
// input is told (exact texts, naming the source and never the value), which warnings a usable
// setup still gets, and that the key stays hidden. create-client-validation.test.ts covers the
// same through createClient with fragments; these pin the messages and the edges.

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
let d: string; // scratch directory
const DAY = 86_400_000;
const noEnv = {};

const err = (fn: () => unknown): PantryError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PantryError);
    return e as PantryError;
  }
  throw new Error('did not throw');
};

beforeAll(async () => {
  certs = await tempCerts();
  d = join(certs.root, 'scratch');
  await mkdir(d);
});

afterAll(async () => {
  await certs.cleanup();
});

describe('pemBlocks', () => {
  const cert = () => certs.caCert.trim();
  it('splits complete blocks, keeping their labels and markers, CRLF and trailing blanks allowed', () => {
    const text = `junk before\n${cert()}\n\n${certs.clientKey.trim()}\n`;
    const blocks = pemBlocks(text)!;
    expect(blocks.map((b) => b.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(blocks[0].text).toBe(cert());
    expect(blocks[1].text).toBe(certs.clientKey.trim());
    const crlf = pemBlocks(cert().replace(/\n/g, '\r\n'))!;
    expect(crlf[0].text).toBe(cert());
    expect(pemBlocks(`${cert().replace('-----\n', '----- \t\n')}`)).toHaveLength(1);
    expect(pemBlocks('')).toEqual([]);
    expect(pemBlocks('no markers at all')).toEqual([]);
  });

  it('is undefined for any incomplete block', () => {
    const c = cert();
    expect(pemBlocks(c.slice(0, c.indexOf('-----END')))).toBeUndefined(); // BEGIN without END
    expect(pemBlocks(c.slice(c.indexOf('\n') + 1))).toBeUndefined(); // END without BEGIN
    expect(pemBlocks(c.replace('-----END CERTIFICATE-----', '-----END CERTIF'))).toBeUndefined(); // marker cut short
    expect(pemBlocks(c.replace('-----END CERTIFICATE', '-----END PRIVATE KEY'))).toBeUndefined(); // another label
    expect(pemBlocks(`${c.slice(0, 100)}\n${c}`)).toBeUndefined(); // BEGIN inside BEGIN
    expect(pemBlocks(c.replace('-----BEGIN', '-----begin'))).toBeUndefined();
    expect(pemBlocks(`x${c}`)).toBeUndefined(); // END without its BEGIN line
    expect(pemBlocks(`${c}x`)).toBeUndefined();
  });
});

describe('readPem', () => {
  const inline = (text: string | Buffer) => resolvePemInput(Buffer.from(text), 'option ca');
  const file = async (name: string, body: string | Buffer) => {
    const path = join(d, name);
    await writeFile(path, body);
    return resolvePemInput(path, 'option ca');
  };

  it('reads a PEM file or inline PEM, dropping a byte-order mark', async () => {
    const fromFile = readPem('ca', await file('ca.pem', certs.caCert));
    expect(fromFile.bytes.toString()).toBe(certs.caCert);
    expect(fromFile.blocks).toHaveLength(1);
    expect(readPem('ca', inline(`\uFEFF${certs.caCert}`)).blocks[0].text).toBe(certs.caCert.trim());
  });

  it('says empty, not PEM, DER or base64, with the fix', async () => {
    expect(err(() => readPem('ca', inline(' \n'), 'the hint')).details).toBe('ca option ca (inline PEM): is empty');
    expect(err(() => readPem('ca', inline(' \n'), 'the hint')).hint).toBe('the hint');
    expect(err(() => readPem('ca', inline(''))).code).toBe(Code.FAILED_PRECONDITION);
    const der = Buffer.from(new X509Certificate(certs.caCert).raw);
    const e = err(() => readPem('ca', inline(der)));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'ca option ca (inline PEM): is not PEM (it looks like DER)',
      'convert it: openssl x509 -inform der -in FILE -out FILE.pem',
    ]);
    expect(err(() => readPem('key', inline(der))).hint).toBe(
      'convert it: openssl pkey -inform der -in FILE -out FILE.pem',
    );
    const body = certs.caCert.split('\n').slice(1, -2).join('\n');
    expect(err(() => readPem('ca', inline(body))).details).toBe(
      'ca option ca (inline PEM): is not PEM (it looks like base64 without the -----BEGIN/-----END lines)',
    );
    const text = err(() => readPem('ca', inline('hello, not pem')));
    expect([text.details, text.hint]).toEqual([
      'ca option ca (inline PEM): is not PEM',
      'expected text starting with "-----BEGIN"; give the whole PEM text, or a file path',
    ]);
  });

  it('refuses a cut-off block, and inline input over the size cap', async () => {
    const e = err(() => readPem('cert', inline(certs.caCert.slice(0, 200))));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      'cert option ca (inline PEM): holds a cut-off PEM block (a file still being written, or truncated)',
      'write certificate files whole (cert-manager and kubelet swap them atomically); this client keeps the previous ones until then',
    ]);
    const big = Buffer.alloc(MAX_PEM_BYTES + 1, 'A');
    const tooBig = err(() => readPem('ca', inline(big)));
    expect([tooBig.details, tooBig.hint]).toEqual([
      `ca option ca (inline PEM): is ${MAX_PEM_BYTES + 1} bytes, more than the 1 MiB a certificate, bundle or key may have`,
      'give only the CA certificates this client needs',
    ]);
    expect(MAX_PEM_BYTES).toBe(1048576);
    expect(
      readPem(
        'ca',
        inline(Buffer.concat([Buffer.from(certs.caCert), Buffer.alloc(MAX_PEM_BYTES - certs.caCert.length, '\n')])),
      ).blocks,
    ).toHaveLength(1);
  });

  it('reads a file up to the cap and refuses a larger one', async () => {
    const atCap = await file(
      'at-cap.pem',
      Buffer.concat([Buffer.from(certs.caCert), Buffer.alloc(MAX_PEM_BYTES - certs.caCert.length, '\n')]),
    );
    expect(readPem('ca', atCap).bytes.length).toBe(MAX_PEM_BYTES);
    const over = await file('over.pem', Buffer.alloc(MAX_PEM_BYTES + 1, '\n'));
    expect(err(() => readPem('ca', over, 'h')).details).toBe(
      `ca option ca (${join(d, 'over.pem')}): is ${MAX_PEM_BYTES + 1} bytes, more than the 1 MiB a certificate, bundle or key may have`,
    );
  });

  it('names what a path is when it is not a readable regular file', async () => {
    const missing = resolvePemInput(join(d, 'missing.crt'), 'option ca');
    const e = err(() => readPem('ca', missing, 'the hint'));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      `ca option ca (${join(d, 'missing.crt')}): file does not exist`,
      'the hint',
    ]);
    const hidden = resolvePemInput('bm90IGEgcGF0aCBidXQgYSBiYXNlNjQgYm9keSBvZiBzb21ldGhpbmc', 'option key');
    const h = err(() => readPem('key', hidden, 'the hint'));
    expect([h.details, h.hint]).toEqual([
      'key option key (not PEM and not a file path; value not shown): is neither PEM text nor an existing file',
      'give the PEM text with its -----BEGIN and -----END lines, or the path of a PEM file',
    ]);
    expect(err(() => readPem('ca', resolvePemInput(d, 'option ca'), 'h')).details).toBe(
      `ca option ca (${d}): is a directory, not a regular file`, // Linux opens a directory read-only; fstat names it,
    );
    const noRead = await file('no-read.pem', certs.caCert);
    await chmod(noRead.source.path!, 0o000);
    if (process.getuid?.() !== 0) {
      expect(err(() => readPem('ca', noRead)).details).toBe(
        `ca option ca (${noRead.source.path}): file is not readable by this process`,
      );
    }
    expect(err(() => readPem('ca', resolvePemInput('/dev/null', 'option ca'), 'h')).details).toBe(
      'ca option ca (/dev/null): is a character device, not a regular file',
    );
    expect(err(() => readPem('ca', resolvePemInput(join(d, 'at-cap.pem', 'x.crt'), 'option ca'))).details).toMatch(
      /: file cannot be opened \(ENOTDIR\)$/,
    );
  });
});

describe('readPem: more edges', () => {
  const inline = (text: string | Buffer) => resolvePemInput(Buffer.from(text), 'option ca');

  it('drops a byte-order mark only at the start', () => {
    const marked = certs.caCert.replace('-----\n', '-----\uFEFF\n');
    expect(err(() => readPem('ca', inline(marked))).details).toBe(
      'ca option ca (inline PEM): holds a cut-off PEM block (a file still being written, or truncated)',
    );
  });

  it('sees base64 without markers through surrounding blanks', () => {
    const body = certs.caCert.split('\n').slice(1, -2).join('\n');
    expect(err(() => readPem('ca', inline(`  ${body}\n  `))).details).toBe(
      'ca option ca (inline PEM): is not PEM (it looks like base64 without the -----BEGIN/-----END lines)',
    );
  });

  it('refuses a file over the cap by its size on disk', async () => {
    const path = join(d, 'far-over.pem');
    await writeFile(path, Buffer.alloc(MAX_PEM_BYTES + 100, '\n'));
    expect(err(() => readPem('ca', resolvePemInput(path, 'option ca'))).details).toBe(
      `ca option ca (${path}): is ${MAX_PEM_BYTES + 100} bytes, more than the 1 MiB a certificate, bundle or key may have`,
    );
  });

  it('closes the file it opened, read or refused', async () => {
    if (!existsSync('/proc/self/fd')) return;
    const fds = () => readdirSync('/proc/self/fd').length;
    const path = join(d, 'fd.pem');
    await writeFile(path, certs.caCert);
    const before = fds();
    for (let i = 0; i < 20; i++) readPem('ca', resolvePemInput(path, 'option ca'));
    for (let i = 0; i < 20; i++) err(() => readPem('ca', resolvePemInput('/dev/null', 'option ca')));
    expect(fds()).toBe(before);
  });

  it('names a block device', () => {
    // Opening a block device needs root here (mode 600); elsewhere the open is refused first.
    if (process.getuid?.() !== 0 || !existsSync('/dev/loop0')) return;
    expect(err(() => readPem('ca', resolvePemInput('/dev/loop0', 'option ca'))).details).toBe(
      'ca option ca (/dev/loop0): is a block device, not a regular file',
    );
  });
});

describe('pem sources', () => {
  it('describes a source without its value', () => {
    expect(describeSource({ origin: 'certDir', path: 'certs/ca.crt' })).toBe('certDir (certs/ca.crt)');
    expect(describeSource({ origin: 'certDir', path: 'certs/ca.crt', showPath: true })).toBe('certDir (certs/ca.crt)');
    expect(describeSource({ origin: 'option key', path: 'MIIB', showPath: false })).toBe(
      'option key (not PEM and not a file path; value not shown)',
    );
    expect(describeSource({ origin: 'env PANTRY_CLIENT_KEY' })).toBe('env PANTRY_CLIENT_KEY (inline PEM)');
  });

  it('takes bytes and arrays as inline PEM, joined with newlines', () => {
    const u8 = new Uint8Array(Buffer.from('abc'));
    expect(resolvePemInput(u8, 'option ca')).toEqual({ source: { origin: 'option ca' }, bytes: Buffer.from('abc') });
    const sub = new Uint8Array(Buffer.from('xxabcxx')).subarray(2, 5);
    expect(resolvePemInput(sub, 'o').bytes!.toString()).toBe('abc');
    expect(resolvePemInput(['a', new Uint8Array(Buffer.from('b'))], 'o').bytes!.toString()).toBe('a\nb\n');
    expect(resolvePemInput('-----BEGIN X', 'o')).toEqual({
      source: { origin: 'o' },
      bytes: Buffer.from('-----BEGIN X'),
    });
  });

  it.each([
    [5, 'number'],
    [null, 'null'],
    [{}, 'object'],
    [[], 'an empty array'],
    [[1], 'an array of something other than PEM strings or bytes'],
    [['a', 2], 'an array of something other than PEM strings or bytes'],
    [undefined, 'undefined'],
  ])('refuses %j, naming only its kind', (given, kind) => {
    const e = err(() => resolvePemInput(given, 'option cert'));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      `option cert must be a file path, PEM text, a Buffer or Uint8Array, got ${kind}`,
      'pass the path of the PEM file, or its text',
    ]);
  });

  it('shows a path only when it exists or looks like a file name', () => {
    const shown = (p: string) => resolvePemInput(p, 'o').source.showPath;
    expect(shown(d)).toBe(true); // exists, no dot needed
    expect(shown('./certs/client.key')).toBe(true);
    expect(shown('C:\\certs\\ca.crt')).toBe(true);
    expect(shown('missing-no-dot')).toBe(false);
    expect(shown('a.b\u0001')).toBe(false);
    expect(shown('x.crt"')).toBe(false);
    expect(shown(`${'d/'.repeat(509)}xxx.crt`)).toBe(false); // 1025 characters
    expect(shown(`${'d/'.repeat(509)}xx.crt`)).toBe(true); // 1024
    expect(shown('eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0')).toBe(false);
    expect(shown('some/dir.d/keyfile')).toBe(false);
  });

  it('tells base64 from paths', () => {
    expect(looksLikeBase64('A'.repeat(40))).toBe(true);
    expect(looksLikeBase64('A'.repeat(39))).toBe(false);
    expect(looksLikeBase64(`${'A'.repeat(40)}.`)).toBe(false);
    expect(looksLikeBase64(`${'A'.repeat(40)} `)).toBe(false);
    expect(looksLikeBase64(`${'Ab0+/=_-'.repeat(5)}\r\n`)).toBe(true);
    expect(looksLikeBase64(`${'A'.repeat(40)}/x.key`)).toBe(false);
  });

  it('checks a directory option', () => {
    expect(certDirOf(undefined, 'o')).toBeUndefined();
    expect(certDirOf(null, 'o')).toBeUndefined();
    expect(certDirOf('', 'o')).toBeUndefined();
    expect(certDirOf('./certs', 'o')).toBe('./certs');
    const e = err(() => certDirOf(7, 'option certDir'));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'option certDir must be a directory path string, got number',
      'pass the directory holding ca.crt, client.crt and client.key',
    ]);
  });
});

describe('loadTlsMaterial: sources', () => {
  it('takes options first, then certDir, then the PANTRY_* variables, then PANTRY_CERT_DIR', async () => {
    const dir = certs.dir;
    const file = (n: string) => join(dir, n);
    const env = {
      PANTRY_CA_CERT: certs.caCert,
      PANTRY_CLIENT_CERT: certs.clientCert,
      PANTRY_CLIENT_KEY: certs.clientKey,
      PANTRY_CERT_DIR: dir,
    };
    const sources = (inputs: object, e: NodeJS.ProcessEnv) => loadTlsMaterial(inputs, e).material.sources;
    expect(sources({ ca: file('ca.crt'), certDir: dir }, env)).toEqual({
      ca: { origin: 'option ca', path: file('ca.crt'), showPath: true },
      cert: { origin: 'certDir', path: file('client.crt') },
      key: { origin: 'certDir', path: file('client.key') },
    });
    expect(sources({ ca: '', cert: null }, env)).toEqual({
      ca: { origin: 'env PANTRY_CA_CERT' },
      cert: { origin: 'env PANTRY_CLIENT_CERT' },
      key: { origin: 'env PANTRY_CLIENT_KEY' },
    });
    expect(sources({}, { PANTRY_CERT_DIR: dir, PANTRY_CA_CERT: '' })).toEqual({
      ca: { origin: 'env PANTRY_CERT_DIR', path: file('ca.crt') },
      cert: { origin: 'env PANTRY_CERT_DIR', path: file('client.crt') },
      key: { origin: 'env PANTRY_CERT_DIR', path: file('client.key') },
    });
    const caOnly = loadTlsMaterial({ ca: certs.caCert }, noEnv).material;
    expect([caOnly.cert, caOnly.key, caOnly.leaf, caOnly.sources.cert]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('checks both directory options even when they are not used', () => {
    expect(err(() => loadTlsMaterial({ ca: certs.caCert }, { PANTRY_CERT_DIR: 5 as never })).details).toBe(
      'env PANTRY_CERT_DIR must be a directory path string, got number',
    );
    expect(err(() => loadTlsMaterial({ ca: certs.caCert, certDir: 5 as never }, noEnv)).details).toBe(
      'option certDir must be a directory path string, got number',
    );
  });

  it('needs a CA, and a certificate and key together', () => {
    const none = err(() => loadTlsMaterial({}, noEnv));
    expect([none.code, none.details, none.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      'no CA certificate given',
      'pass certDir (with ca.crt), option ca, env PANTRY_CA_CERT or PANTRY_CERT_DIR; for a plaintext server pass insecure: true',
    ]);
    const noKey = err(() => loadTlsMaterial({ ca: certs.caCert, cert: certs.clientCert }, noEnv));
    expect([noKey.code, noKey.details, noKey.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'key is missing: a client certificate and its key go together (got only cert from option cert (inline PEM))',
      'give key as a path or PEM, or put client.key in certDir (env PANTRY_CLIENT_KEY or PANTRY_CERT_DIR)',
    ]);
    const noCert = err(() => loadTlsMaterial({ ca: certs.caCert, key: certs.clientKey }, noEnv));
    expect([noCert.details, noCert.hint]).toEqual([
      'cert is missing: a client certificate and its key go together (got only key from option key (inline PEM))',
      'give cert as a path or PEM, or put client.crt in certDir (env PANTRY_CLIENT_CERT or PANTRY_CERT_DIR)',
    ]);
    expect(err(() => loadTlsMaterial({ certDir: join(d, 'nowhere') }, noEnv)).hint).toBe(
      'give ca as a path or PEM, or put ca.crt in certDir (env PANTRY_CA_CERT or PANTRY_CERT_DIR)',
    );
  });
});

describe('loadTlsMaterial: certificates and key', () => {
  const full = () => ({ ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });

  it('returns the usable CA certificates, the leaf and the key, with no warning', () => {
    const { material, warnings } = loadTlsMaterial(full(), noEnv);
    expect(warnings).toEqual([]);
    expect(material.ca.toString()).toBe(new X509Certificate(certs.caCert).toString());
    expect(material.caCerts.map((c) => c.subject)).toEqual(['CN=pantry dev CA\nO=pantry']);
    expect(material.cert!.toString()).toBe(certs.clientCert);
    expect(material.key!.toString()).toBe(certs.clientKey);
    expect(nameOf(material.leaf!.subject)).toBe('CN=pantry-dev-client, O=pantry');
  });

  it('refuses a file without certificates or with a damaged one', () => {
    const key = err(() => loadTlsMaterial({ ...full(), cert: certs.clientKey }, noEnv));
    expect([key.code, key.details, key.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'cert option cert (inline PEM): holds no certificate (found a PRIVATE KEY block)',
      'cert is the client certificate (client.crt); the key goes in key',
    ]);
    const caKey = err(() => loadTlsMaterial({ ca: certs.clientKey }, noEnv));
    expect([caKey.details, caKey.hint]).toEqual([
      'ca option ca (inline PEM): holds no certificate (found a PRIVATE KEY block)',
      undefined,
    ]);
    const damaged = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    expect(err(() => loadTlsMaterial({ ca: certs.caCert + damaged }, noEnv)).details).toBe(
      'ca option ca (inline PEM): certificate 2 is not a valid X.509 certificate (damaged or truncated PEM)',
    );
  });

  it('refuses a CA bundle with no usable CA, and warns naming each one left out', async () => {
    const notCa = err(() => loadTlsMaterial({ ca: certs.clientCert }, noEnv));
    expect([notCa.code, notCa.details, notCa.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      'ca option ca (inline PEM): no usable CA certificate: certificate "CN=pantry-dev-client, O=pantry" is not a CA (basic constraints CA:FALSE or absent): it cannot sign other certificates',
      "give the CA certificate that issued the proxy's certificate (ca.crt), not the proxy's or client's own certificate",
    ]);
    const old = await writeDevCertificates(join(d, 'old-ca'), {
      caName: 'old CA',
      caValidity: { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) },
    });
    const oldTo = new Date(Date.parse(new X509Certificate(old.caCert).validTo)).toISOString();
    const expired = err(() => loadTlsMaterial({ ca: old.caCert }, noEnv));
    expect([expired.details, expired.hint]).toEqual([
      `ca option ca (inline PEM): no usable CA certificate: certificate "CN=old CA, O=pantry" expired on ${oldTo}`,
      'renew the certificate (with cert-manager, check the Certificate resource)',
    ]);
    const { material, warnings } = loadTlsMaterial({ ca: old.caCert + certs.caCert + certs.clientCert }, noEnv);
    expect(material.caCerts).toHaveLength(1);
    expect(material.ca.toString()).toBe(new X509Certificate(certs.caCert).toString());
    expect(warnings).toEqual([
      `ca option ca (inline PEM): ignoring certificate "CN=old CA, O=pantry" expired on ${oldTo}; certificate "CN=pantry-dev-client, O=pantry" is not a CA (basic constraints CA:FALSE or absent): it cannot sign other certificates; 1 other CA certificate in it still usable`,
    ]);
    const two = loadTlsMaterial({ ca: old.caCert + certs.caCert + certs.caCert }, noEnv).warnings;
    expect(two[0]).toMatch(/; 2 other CA certificates in it still usable$/);
  });

  it('refuses a leaf outside its validity, or without clientAuth', async () => {
    const from = new Date(Date.now() + DAY);
    const future = await certs.issueClient(join(d, 'future'), {
      validity: { notBefore: from, notAfter: new Date(Date.now() + 60 * DAY) },
    });
    const notBefore = new Date(Date.parse(new X509Certificate(future.cert).validFrom)).toISOString();
    const f = err(() => loadTlsMaterial({ ...full(), cert: future.cert, key: future.key }, noEnv));
    expect([f.code, f.details, f.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      `cert option cert (inline PEM): certificate "CN=pantry-dev-client, O=pantry" is not valid before ${notBefore}`,
      'check the clock of this machine, or wait until the certificate is valid',
    ]);
    // The same certificate is fine at a time inside its validity, and at its very first second.
    const at = Date.parse(new X509Certificate(future.cert).validFrom);
    expect(loadTlsMaterial({ ...full(), cert: future.cert, key: future.key }, noEnv, at).warnings).toEqual([]);
    const to = Date.parse(new X509Certificate(future.cert).validTo);
    expect(loadTlsMaterial({ ...full(), cert: future.cert, key: future.key }, noEnv, to).warnings).toEqual([]);
    expect(
      err(() => loadTlsMaterial({ ...full(), cert: future.cert, key: future.key }, noEnv, to + 1000)).details,
    ).toMatch(/: certificate "CN=pantry-dev-client, O=pantry" expired on /);

    const server = await certs.issueClient(join(d, 'server-only'), { extendedKeyUsage: 'serverAuth' });
    const s = err(() => loadTlsMaterial({ ...full(), cert: server.cert, key: server.key }, noEnv));
    expect([s.code, s.details, s.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      'cert option cert (inline PEM): certificate "CN=pantry-dev-client, O=pantry" is not for client authentication: its extended key usage is serverAuth, without clientAuth',
      'issue the client certificate with extended key usage clientAuth (cert-manager: usages: [client auth]; openssl: -addext extendedKeyUsage=clientAuth); proxies refuse it otherwise (Go: alert 42 bad certificate, HAProxy: alert 43 unsupported certificate)',
    ]);
    const noEku = await certs.issueClient(join(d, 'no-eku'), { extendedKeyUsage: 'none' });
    expect(loadTlsMaterial({ ...full(), cert: noEku.cert, key: noEku.key }, noEnv).warnings).toEqual([]);
  });

  it('refuses an encrypted key, a file without a key, a damaged key and a key of another certificate', async () => {
    const enc = err(() =>
      loadTlsMaterial(
        { ...full(), key: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n' },
        noEnv,
      ),
    );
    expect([enc.code, enc.details, enc.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'key option key (inline PEM): the private key is encrypted',
      'gRPC needs an unencrypted key: openssl pkey -in client.key -out client.key.plain (keep it mode 600)',
    ]);
    const legacy =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA==\n-----END RSA PRIVATE KEY-----\n';
    expect(err(() => loadTlsMaterial({ ...full(), key: legacy }, noEnv)).details).toBe(
      'key option key (inline PEM): the private key is encrypted',
    );
    const noKey = err(() => loadTlsMaterial({ ...full(), key: certs.clientCert }, noEnv));
    expect([noKey.details, noKey.hint]).toEqual([
      'key option key (inline PEM): holds no private key',
      'key is the client private key (client.key); the certificate goes in cert',
    ]);
    const damaged = '-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n';
    const dmg = err(() => loadTlsMaterial({ ...full(), key: damaged }, noEnv));
    expect([dmg.details, dmg.hint]).toEqual([
      'key option key (inline PEM): is not a valid private key (damaged or truncated PEM)',
      undefined,
    ]);
    const another = await certs.issueClient(join(d, 'another'));
    const mismatch = err(() => loadTlsMaterial({ ...full(), key: another.key }, noEnv));
    expect([mismatch.code, mismatch.details, mismatch.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'key option key (inline PEM) does not match cert option cert (inline PEM)',
      'use the key that was issued with this certificate (the same Secret, tls.key with tls.crt)',
    ]);
  });

  it('warns when the leaf does not chain to the CA, and not when its intermediate is sent with it', async () => {
    const other = await writeDevCertificates(join(d, 'other'), { caName: 'other CA' });
    const w = loadTlsMaterial({ ca: other.caCert, cert: certs.clientCert, key: certs.clientKey }, noEnv).warnings;
    expect(w).toEqual([
      'cert option cert (inline PEM) ("CN=pantry-dev-client, O=pantry", issuer "CN=pantry dev CA, O=pantry") is not signed by the CA in option ca (inline PEM), directly or through an intermediate sent with it; fine when the proxy trusts another CA, otherwise the proxy will reject it',
    ]);
    const chain = await certs.issueClient(join(d, 'chain'), { viaIntermediate: true });
    expect(loadTlsMaterial({ ca: certs.caCert, cert: chain.cert, key: chain.key }, noEnv).warnings).toEqual([]);
    const chained = loadTlsMaterial({ ca: other.caCert, cert: chain.cert, key: chain.key }, noEnv).warnings;
    expect(chained[0]).toContain('directly or through the 1 intermediate certificate(s) sent with it;');
    // The leaf alone (its intermediate left out) does not chain to the root.
    const leafOnly = chain.cert.slice(0, chain.cert.indexOf('-----END CERTIFICATE-----') + 26);
    expect(loadTlsMaterial({ ca: certs.caCert, cert: leafOnly, key: chain.key }, noEnv).warnings[0]).toContain(
      'is not signed by the CA in option ca (inline PEM), directly or through an intermediate sent with it',
    );
  });

  it('warns about a key file readable by group or others, and not about mode 600', async () => {
    const dir = join(d, 'modes');
    const c = await certs.issueClient(dir);
    const inputs = { ca: certs.caCert, cert: c.cert, key: join(dir, 'client.key') };
    expect(loadTlsMaterial(inputs, noEnv).warnings).toEqual([]);
    await chmod(join(dir, 'client.key'), 0o640);
    expect(loadTlsMaterial(inputs, noEnv).warnings).toEqual([
      `key ${join(dir, 'client.key')} is readable by group or others (mode 640); chmod 600 it`,
    ]);
    await chmod(join(dir, 'client.key'), 0o604);
    expect(loadTlsMaterial(inputs, noEnv).warnings[0]).toContain('(mode 604)');
    await chmod(join(dir, 'client.key'), 0o044);
    if (process.getuid?.() !== 0) expect(() => loadTlsMaterial(inputs, noEnv)).toThrow(PantryError);
    await chmod(join(dir, 'client.key'), 0o600);
  });

  it('keeps the key out of inspect() and JSON, and says what is file-backed', () => {
    const { material } = loadTlsMaterial({ certDir: certs.dir }, noEnv);
    expect(inspect(material)).toBe(
      `TlsMaterial { ca: certDir (${join(certs.dir, 'ca.crt')}), cert: certDir (${join(certs.dir, 'client.crt')}), key: [redacted] }`,
    );
    expect(JSON.stringify(material)).not.toContain('PRIVATE KEY');
    expect(Object.keys(material)).not.toContain('key');
    expect(material.key!.toString()).toBe(certs.clientKey);
    expect(isFileBacked(material)).toBe(true);
    const caOnly = loadTlsMaterial({ ca: join(certs.dir, 'ca.crt') }, noEnv).material;
    expect(inspect(caOnly)).toBe(
      `TlsMaterial { ca: option ca (${join(certs.dir, 'ca.crt')}), cert: none, key: [redacted] }`,
    );
    expect(isFileBacked(caOnly)).toBe(true);
    expect(
      isFileBacked(
        loadTlsMaterial(
          { ca: join(certs.dir, 'ca.crt'), cert: certs.clientCert, key: join(certs.dir, 'client.key') },
          noEnv,
        ).material,
      ),
    ).toBe(false);
    expect(isFileBacked(loadTlsMaterial({ ca: certs.caCert }, noEnv).material)).toBe(false);
  });
});

describe('loadTlsMaterial: the edges of each check', () => {
  const full = () => ({ ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });

  it('says "holds no certificate" without a block kind when the BEGIN marker is not at a line start', () => {
    const e = err(() => loadTlsMaterial({ ca: 'see -----BEGIN CERTIFICATE----- here\n' }, noEnv));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.INVALID_ARGUMENT,
      'ca option ca (inline PEM): holds no certificate',
      undefined,
    ]);
  });

  it('names every unusable CA of a bundle with none usable, separated by "; "', async () => {
    const old = await writeDevCertificates(join(d, 'old-ca-2'), {
      caName: 'old CA',
      caValidity: { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) },
    });
    const oldTo = new Date(Date.parse(new X509Certificate(old.caCert).validTo)).toISOString();
    const e = err(() => loadTlsMaterial({ ca: old.caCert + certs.clientCert }, noEnv));
    expect(e.details).toBe(
      `ca option ca (inline PEM): no usable CA certificate: certificate "CN=old CA, O=pantry" expired on ${oldTo}; certificate "CN=pantry-dev-client, O=pantry" is not a CA (basic constraints CA:FALSE or absent): it cannot sign other certificates`,
    );
  });

  it('gives grpc-js the usable CA certificates back to back, and chains to any one of them', async () => {
    const other = await writeDevCertificates(join(d, 'other-2'), { caName: 'other CA' });
    const { material, warnings } = loadTlsMaterial({ ...full(), ca: other.caCert + certs.caCert }, noEnv);
    expect(warnings).toEqual([]);
    expect(material.ca.toString()).toBe(
      new X509Certificate(other.caCert).toString() + new X509Certificate(certs.caCert).toString(),
    );
  });

  it('does not take a CA certificate sent with the leaf for an intermediate that issued it', async () => {
    // The leaf of another CA, sent with this CA's (self-signed) root: the root did not issue the leaf.
    const other = await writeDevCertificates(join(d, 'other-3'), { caName: 'other CA' });
    const w = loadTlsMaterial(
      { ca: certs.caCert, cert: other.clientCert + certs.caCert, key: other.clientKey },
      noEnv,
    ).warnings;
    expect(w).toEqual([
      'cert option cert (inline PEM) ("CN=pantry-dev-client, O=pantry", issuer "CN=other CA, O=pantry") is not signed by the CA in option ca (inline PEM), directly or through the 1 intermediate certificate(s) sent with it; fine when the proxy trusts another CA, otherwise the proxy will reject it',
    ]);
  });

  it('reads "Proc-Type:4,ENCRYPTED" without a space as an encrypted key', () => {
    const legacy =
      '-----BEGIN RSA PRIVATE KEY-----\nProc-Type:4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAA==\n-----END RSA PRIVATE KEY-----\n';
    expect(err(() => loadTlsMaterial({ ...full(), key: legacy }, noEnv)).details).toBe(
      'key option key (inline PEM): the private key is encrypted',
    );
  });

  it('names the key when its file is missing', async () => {
    const dir = join(d, 'no-key');
    await mkdir(dir);
    await writeFile(join(dir, 'ca.crt'), certs.caCert);
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
    const e = err(() => loadTlsMaterial({ certDir: dir }, noEnv));
    expect([e.code, e.details, e.hint]).toEqual([
      Code.FAILED_PRECONDITION,
      `key certDir (${join(dir, 'client.key')}): file does not exist`,
      'give key as a path or PEM, or put client.key in certDir (env PANTRY_CLIENT_KEY or PANTRY_CERT_DIR)',
    ]);
  });

  it('shows a key file mode with three digits', async () => {
    // Only root can read a key file its owner may not read (mode 044); elsewhere the read fails.
    if (process.getuid?.() !== 0) return;
    const dir = join(d, 'mode-044');
    const c = await certs.issueClient(dir);
    await chmod(join(dir, 'client.key'), 0o044);
    expect(loadTlsMaterial({ ca: certs.caCert, cert: c.cert, key: join(dir, 'client.key') }, noEnv).warnings).toEqual([
      `key ${join(dir, 'client.key')} is readable by group or others (mode 044); chmod 600 it`,
    ]);
    await chmod(join(dir, 'client.key'), 0o600);
  });

  it('keeps its inspect() function out of copies of the material', () => {
    const { material } = loadTlsMaterial(full(), noEnv);
    expect(Object.getOwnPropertyDescriptor(material, inspect.custom)?.enumerable).toBe(false);
    expect(inspect.custom in { ...material }).toBe(false);
  });

  describe('extended key usage as OIDs, or as names (Deno)', () => {
    let usage: ReturnType<typeof vi.spyOn>;
    beforeEach(() => {
      usage = vi.spyOn(X509Certificate.prototype, 'keyUsage', 'get');
    });
    afterEach(() => usage.mockRestore());
    const check = (usages: string[]) => {
      usage.mockReturnValue(usages);
      try {
        return loadTlsMaterial(full(), noEnv).warnings;
      } catch (e) {
        return (e as PantryError).details;
      }
    };
    const refused = (named: string) =>
      `cert option cert (inline PEM): certificate "CN=pantry-dev-client, O=pantry" is not for client authentication: its extended key usage is ${named}, without clientAuth`;

    it('names each known OID, and shows an unknown one as it is', () => {
      expect(
        check([
          '1.3.6.1.5.5.7.3.1',
          '1.3.6.1.5.5.7.3.3',
          '1.3.6.1.5.5.7.3.4',
          '1.3.6.1.5.5.7.3.8',
          '1.3.6.1.5.5.7.3.9',
          '1.3.6.1.4.1.311.10.3.12',
          '10.1',
        ]),
      ).toBe(
        refused('serverAuth, codeSigning, emailProtection, timeStamping, OCSPSigning, 1.3.6.1.4.1.311.10.3.12, 10.1'),
      );
    });

    it('leaves the check to the proxy when any usage is not an OID', () => {
      expect(check(['DigitalSignature', 'KeyEncipherment'])).toEqual([]);
      expect(check(['1.3.6.1.5.5.7.3.1', 'DigitalSignature'])).toEqual([]);
      expect(check(['1.2x'])).toEqual([]);
      expect(check(['x1.2'])).toEqual([]);
      expect(check(['1'])).toEqual([]);
      expect(check(['1.3.6.1.5.5.7.3.2'])).toEqual([]);
      expect(check(['2.5.29.37.0'])).toEqual([]);
    });
  });
});
