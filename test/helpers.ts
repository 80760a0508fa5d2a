import { execFile, type ExecFileOptions } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../src/observability/logger.js';
import { writeDevCertificates, type DevCertificates } from '../src/testing/dev-certificates.js';
import { secretsIn } from './setup/secret-patterns.js';

const execFileAsync = promisify(execFile);

/** A temp dir with fresh dev certificates, removed by `cleanup()`. */
export async function tempCerts(): Promise<DevCertificates & { root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'pantry-test-'));
  const certs = await writeDevCertificates(join(root, 'certs'));
  return Object.assign(certs, { root, cleanup: () => rm(root, { recursive: true, force: true }) });
}

/** A logger that keeps every line, to assert on (and to scan for secrets). */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** The base64 body of a PEM private key: what must never appear in a log or an error. */
export function keyBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** True when any 24-character run of the key's base64 body appears in `text`. */
export function leaksKey(text: string, keyPem: string): boolean {
  const body = keyBody(keyPem);
  const flat = text.replace(/\s+/g, '');
  for (let i = 0; i + 24 <= body.length; i += 12) if (flat.includes(body.slice(i, i + 24))) return true;
  return false;
}

/**
 * `execFile` as a promise whose output (stdout and stderr, on success and on failure) must carry no
 * secret: a CLI run by a test is scanned like everything the tests print.
 */
export async function execScanned(
  file: string,
  args: string[],
  options: ExecFileOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const check = (out: { stdout?: unknown; stderr?: unknown }) => {
    const hits = secretsIn(`${out.stdout ?? ''}${out.stderr ?? ''}`);
    if (hits.length) throw new Error(`the output of ${file} matched secret pattern(s) ${hits.join(', ')}`);
  };
  try {
    const out = await execFileAsync(file, args, { ...options, encoding: 'utf8' });
    check(out);
    return out;
  } catch (err) {
    check(err as { stdout?: unknown; stderr?: unknown });
    throw err;
  }
}
