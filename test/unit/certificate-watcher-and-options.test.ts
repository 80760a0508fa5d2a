import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { checkCallOptions } from '../../src/pipeline/call-options.js';
import { CertificateWatcher } from '../../src/tls/certificate-watcher.js';
import { loadTlsMaterial } from '../../src/tls/material.js';
import { Tracer } from '../../src/observability/tracer.js';
import { writeDevCertificates } from '../../src/testing/dev-certificates.js';
import { captureLogger, tempCerts } from '../helpers.js';

// The certificate watcher as grpc-js uses it (listeners, reloads, its timer), and the per-call
// option check called directly at its edges.

type Certs = Awaited<ReturnType<typeof tempCerts>>;
let certs: Certs;
let dir: string;

beforeAll(async () => {
  certs = await tempCerts();
  dir = join(certs.root, 'watched');
  await mkdir(dir);
  for (const f of ['ca.crt', 'client.crt', 'client.key']) await copyFile(join(certs.dir, f), join(dir, f));
});

afterAll(async () => {
  await certs.cleanup();
});

describe('CertificateWatcher', () => {
  const setup = (watch = false, intervalMs = 60_000) => {
    const logger = captureLogger();
    const tracer = new Tracer({ trace: '', logger }, {});
    const inputs = { certDir: dir };
    const watcher = new CertificateWatcher(inputs, loadTlsMaterial(inputs).material, { watch, intervalMs, tracer });
    return { watcher, logger };
  };

  it('hands the current material to each listener at once, and to none once removed', () => {
    const { watcher } = setup();
    const cas: Buffer[] = [];
    const ids: unknown[] = [];
    const ca = (u: { caCertificate: Buffer } | null) => void cas.push(u!.caCertificate);
    const id = (u: unknown) => void ids.push(u);
    watcher.addCaCertificateListener(ca);
    watcher.addIdentityCertificateListener(id);
    expect(cas).toEqual([watcher.current.ca]);
    expect(ids).toEqual([{ certificate: watcher.current.cert, privateKey: watcher.current.key }]);
    watcher.removeCaCertificateListener(ca);
    watcher.removeIdentityCertificateListener(id);
    expect(watcher.reload()).toBe(false);
    watcher.close();
  });

  it('tells a removed listener nothing of a renewal', async () => {
    const { watcher } = setup();
    const calls: string[] = [];
    const ca = () => void calls.push('ca');
    const id = () => void calls.push('identity');
    watcher.addCaCertificateListener(ca);
    watcher.addIdentityCertificateListener(id);
    watcher.removeCaCertificateListener(ca);
    watcher.removeIdentityCertificateListener(id);
    const renewed = await certs.issueClient(join(certs.root, 'removed'), { name: 'removed-client' });
    try {
      await writeFile(join(dir, 'client.crt'), renewed.cert);
      await writeFile(join(dir, 'client.key'), renewed.key);
      expect(watcher.reload()).toBe(true);
      expect(calls).toEqual(['ca', 'identity']); // the calls at add only
    } finally {
      await writeFile(join(dir, 'client.crt'), certs.clientCert);
      await writeFile(join(dir, 'client.key'), certs.clientKey);
      watcher.close();
    }
  });

  it('switches when only the CA bundle changes, and not for unchanged CA-only material', async () => {
    const { watcher } = setup();
    const other = await writeDevCertificates(join(certs.root, 'other-ca'), { caName: 'other CA' });
    try {
      await writeFile(join(dir, 'ca.crt'), certs.caCert + other.caCert);
      expect(watcher.reload()).toBe(true);
      expect(watcher.current.caCerts.map((c) => c.subject)).toEqual([
        'CN=pantry dev CA\nO=pantry',
        'CN=other CA\nO=pantry',
      ]);
    } finally {
      await writeFile(join(dir, 'ca.crt'), certs.caCert);
      watcher.close();
    }
    const tracer = new Tracer({ trace: '' }, {});
    const inputs = { ca: join(dir, 'ca.crt') };
    const caOnly = new CertificateWatcher(inputs, loadTlsMaterial(inputs).material, {
      watch: false,
      intervalMs: 1000,
      tracer,
    });
    expect(caOnly.reload()).toBe(false);
  });

  it('says "CA only" when it reloads material without a client certificate', async () => {
    const logger = captureLogger();
    const tracer = new Tracer({ trace: '', logger }, {});
    const inputs = { ca: join(dir, 'ca.crt') };
    const caOnly = new CertificateWatcher(inputs, loadTlsMaterial(inputs).material, {
      watch: false,
      intervalMs: 1000,
      tracer,
    });
    const other = await writeDevCertificates(join(certs.root, 'other-ca-2'), { caName: 'other CA' });
    try {
      await writeFile(join(dir, 'ca.crt'), certs.caCert + other.caCert);
      expect(caOnly.reload()).toBe(true);
      expect(logger.lines).toEqual(['info credentials | reloaded certificates: CA only']);
    } finally {
      await writeFile(join(dir, 'ca.crt'), certs.caCert);
    }
  });

  it('serves no identity for CA-only material', () => {
    const tracer = new Tracer({ trace: '' }, {});
    const inputs = { ca: join(dir, 'ca.crt') };
    const w = new CertificateWatcher(inputs, loadTlsMaterial(inputs).material, {
      watch: false,
      intervalMs: 1000,
      tracer,
    });
    const ids: unknown[] = [];
    w.addIdentityCertificateListener((u) => void ids.push(u));
    expect(ids).toEqual([null]);
  });

  it('switches to renewed files and tells every listener; unchanged files change nothing', async () => {
    const { watcher, logger } = setup();
    const cas: Buffer[] = [];
    const ids: Array<{ certificate: Buffer } | null> = [];
    watcher.addCaCertificateListener((u) => void cas.push(u!.caCertificate));
    watcher.addIdentityCertificateListener((u) => void ids.push(u as { certificate: Buffer } | null));
    expect(watcher.reload()).toBe(false);
    expect(logger.lines).toEqual([]);
    const renewed = await certs.issueClient(join(certs.root, 'renewed'), { name: 'renewed-client' });
    await writeFile(join(dir, 'client.crt'), renewed.cert);
    await writeFile(join(dir, 'client.key'), renewed.key);
    expect(watcher.reload()).toBe(true);
    expect(watcher.current.cert!.toString()).toBe(renewed.cert);
    expect(cas).toHaveLength(2);
    expect(ids.map((i) => i?.certificate.toString())).toEqual([certs.clientCert, renewed.cert]);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^info credentials \| reloaded certificates: client "CN=renewed-client, O=pantry" serial [0-9A-F]+ valid until .+ GMT$/,
    );
    // Only the key changing is a change too.
    const again = await certs.issueClient(join(certs.root, 'again'), { name: 'renewed-client' });
    await writeFile(join(dir, 'client.crt'), again.cert);
    await writeFile(join(dir, 'client.key'), again.key);
    expect(watcher.reload()).toBe(true);
    // Back to the first pair for the other tests.
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
    await writeFile(join(dir, 'client.key'), certs.clientKey);
    expect(watcher.reload()).toBe(true);
  });

  it('keeps the current material while the files are unusable, and warns once per distinct reason', async () => {
    const { watcher, logger } = setup();
    const before = watcher.current;
    await writeFile(join(dir, 'client.crt'), certs.clientCert.slice(0, 300));
    expect(watcher.reload()).toBe(false);
    expect(watcher.reload()).toBe(false);
    expect(watcher.current).toBe(before);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^warn credentials \| renewed certificate files are not usable yet, keeping the current ones: \[FAILED_PRECONDITION\] cert certDir \(.*client\.crt\): holds a cut-off PEM block/,
    );
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
    expect(watcher.reload()).toBe(false); // whole again, and the same as before
    await writeFile(join(dir, 'client.crt'), certs.clientCert.slice(0, 300));
    expect(watcher.reload()).toBe(false);
    expect(logger.lines).toHaveLength(2); // the same reason again after a good read: warned again
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
  });

  it('re-reads on its own every intervalMs while watching, until closed', async () => {
    const { watcher } = setup(true, 20);
    const cas: Buffer[] = [];
    watcher.addCaCertificateListener((u) => void cas.push(u!.caCertificate));
    const renewed = await certs.issueClient(join(certs.root, 'timer'), { name: 'timer-client' });
    await writeFile(join(dir, 'client.crt'), renewed.cert);
    await writeFile(join(dir, 'client.key'), renewed.key);
    const until = Date.now() + 3000;
    while (watcher.current.cert!.toString() !== renewed.cert && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(watcher.current.cert!.toString()).toBe(renewed.cert);
    watcher.close();
    await writeFile(join(dir, 'client.crt'), certs.clientCert);
    await writeFile(join(dir, 'client.key'), certs.clientKey);
    await new Promise((r) => setTimeout(r, 100));
    expect(watcher.current.cert!.toString()).toBe(renewed.cert); // closed: no more reads
  });

  it('does not read on its own when not watching', async () => {
    const reload = vi.spyOn(CertificateWatcher.prototype, 'reload');
    try {
      const { watcher } = setup(false, 10);
      const before = watcher.current;
      await new Promise((r) => setTimeout(r, 100));
      expect(watcher.current).toBe(before);
      expect(reload).not.toHaveBeenCalled();
      watcher.close();
    } finally {
      reload.mockRestore();
    }
  });
});

describe('checkCallOptions at its edges', () => {
  const method = '/pantry.v1.FoodStorageService/GetFood';
  const refused = (options: unknown) => {
    try {
      checkCallOptions(options, method);
    } catch (e) {
      expect(e).toBeInstanceOf(PantryError);
      expect([(e as PantryError).code, (e as PantryError).method]).toEqual([Code.INVALID_ARGUMENT, method]);
      return (e as PantryError).details;
    }
    return 'accepted';
  };

  it('accepts every option at its edge', () => {
    expect(refused({})).toBe('accepted');
    expect(
      refused({
        deadlineMs: Infinity,
        deadline: new Date(0),
        signal: new AbortController().signal,
        metadata: new Metadata(),
        retry: false,
        onHeader: () => {},
        onTrailer: () => {},
      }),
    ).toBe('accepted');
    expect(refused({ deadlineMs: 0.5, deadline: 0 })).toBe('accepted');
    expect(refused({ metadata: { 'x-a': 'b', 'trace-bin': Buffer.from([1]) }, retry: { maxAttempts: 2 } })).toBe(
      'accepted',
    );
    expect(refused({ deadlineMs: undefined, deadline: undefined, signal: undefined, metadata: undefined })).toBe(
      'accepted',
    );
  });

  it.each([
    [5, 'call options must be an object, got number'],
    ['x', 'call options must be an object, got string'],
    [undefined, 'call options must be an object, got undefined'],
    [{ deadlineMs: 0 }, 'call option deadlineMs must be a positive number of milliseconds, got 0'],
    [{ deadlineMs: null }, 'call option deadlineMs must be a positive number of milliseconds, got null'],
    [{ deadlineMs: true }, 'call option deadlineMs must be a positive number of milliseconds, got boolean'],
    [{ deadline: Infinity }, 'call option deadline must be a valid Date or epoch milliseconds, got Infinity'],
    [{ deadline: Number.NaN }, 'call option deadline must be a valid Date or epoch milliseconds, got NaN'],
    [{ deadline: null }, 'call option deadline must be a valid Date or epoch milliseconds, got null'],
    [{ signal: null }, 'call option signal must be an AbortSignal, got null'],
    [{ metadata: null }, 'call option metadata must be a Metadata or a plain object of strings, got null'],
    [{ metadata: ['a'] }, 'call option metadata must be a Metadata or a plain object of strings, got an array'],
    [{ metadata: 5 }, 'call option metadata must be a Metadata or a plain object of strings, got 5'],
    [{ metadata: { 'x-a': Buffer.from('a') } }, 'call option metadata "x-a" must be a string, got object'],
    [{ metadata: { 'x-bin': 'a' } }, 'call option metadata "x-bin" must be a Buffer (the key ends in -bin), got "a"'],
    [{ onHeader: 1 }, 'call option onHeader must be a function, got 1'],
    [{ onTrailer: null }, 'call option onTrailer must be a function, got null'],
  ])('refuses %j', (options, details) => {
    expect(refused(options)).toBe(details);
  });

  it('names the known options when one is unknown', () => {
    try {
      checkCallOptions({ timeout: 1 }, method);
    } catch (e) {
      expect((e as PantryError).hint).toBe(
        'known call options: deadlineMs, deadline, signal, metadata, retry, hedging, onHeader, onTrailer',
      );
    }
    expect(refused({ timeout: 1 })).toBe('unknown call option "timeout"');
  });
});
