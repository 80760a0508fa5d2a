import { statSync } from 'node:fs';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';

/**
 * A certificate or key as the user gave it: a file path, or the PEM itself as a string, `Buffer`
 * or `Uint8Array` (AWS SDK v3 returns secrets that way), or an array of PEM strings/bytes (as
 * node:tls accepts), joined in order.
 */
export type PemInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** Where one piece of TLS material came from, e.g. `{ origin: 'env PANTRY_CA_CERT', path: '/etc/pantry/ca.crt' }`. */
export interface PemSource {
  /** The option or variable that named it: `option ca`, `certDir`, `env PANTRY_CLIENT_KEY`, `env PANTRY_CERT_DIR`. */
  origin: string;
  /** The file it is read from; absent for inline PEM. */
  path?: string;
  /**
   * False when `path` is never shown: the value is neither PEM nor shaped like a file path
   * (a base64 key body, hex, JSON…), so it may be a secret given in the wrong form.
   */
  showPath?: boolean;
}

/** An input resolved to what to read: inline bytes, or a file. */
export type ResolvedPem = { source: PemSource; bytes: Buffer } | { source: PemSource; bytes?: undefined };

/**
 * Describes where a value came from for messages, never the value itself: `option ca (./certs/ca.crt)`,
 * `env PANTRY_CLIENT_KEY (inline PEM)`, or for a value that is neither PEM nor a path,
 * `option key (not PEM and not a file path; value not shown)`. Every message about TLS input goes
 * through it.
 *
 * @example
 * describeSource({ origin: 'certDir', path: 'certs/ca.crt' }) // 'certDir (certs/ca.crt)'
 */
export function describeSource(s: PemSource): string {
  if (s.path === undefined) return `${s.origin} (inline PEM)`;
  return s.showPath === false
    ? `${s.origin} (not PEM and not a file path; value not shown)`
    : `${s.origin} (${s.path})`;
}

/**
 * Classifies one TLS input from `origin` (e.g. `option key`, `env PANTRY_CLIENT_KEY`) without
 * showing it: bytes and arrays are always inline PEM (never a path); a string is inline PEM when it
 * holds `-----BEGIN`, else a path. A path is shown in messages only when it exists or looks like a
 * file name (`ca.crt`, `/etc/pantry/client.key`); anything else (a base64 body, hex) stays hidden.
 * Throws a {@link PantryError} naming `origin` for a value of the wrong type.
 *
 * @example
 * resolvePemInput(process.env.PANTRY_CLIENT_KEY!, 'env PANTRY_CLIENT_KEY')
 * // { source: { origin: 'env PANTRY_CLIENT_KEY' }, bytes: <Buffer …> } for PEM text
 */
export function resolvePemInput(given: unknown, origin: string): ResolvedPem {
  if (given instanceof Uint8Array) return { source: { origin }, bytes: toBuffer(given) };
  if (
    Array.isArray(given) &&
    given.length > 0 &&
    given.every((g) => typeof g === 'string' || g instanceof Uint8Array)
  ) {
    return {
      source: { origin },
      bytes: Buffer.concat(
        given.flatMap((g: string | Uint8Array) => [
          typeof g === 'string' ? Buffer.from(g) : toBuffer(g),
          Buffer.from('\n'),
        ]),
      ),
    };
  }
  if (typeof given !== 'string') {
    throw configError(
      Code.INVALID_ARGUMENT,
      `${origin} must be a file path, PEM text, a Buffer or Uint8Array, got ${kindOf(given)}`,
      'pass the path of the PEM file, or its text',
    );
  }
  if (given.includes('-----BEGIN')) return { source: { origin }, bytes: Buffer.from(given) };
  return { source: { origin, path: given, showPath: pathShaped(given) } };
}

/**
 * Checks that a directory option (`certDir`, `PANTRY_CERT_DIR`) is a non-empty string.
 *
 * @example
 * certDirOf(opts.certDir, 'option certDir') // './certs', or undefined when unset
 */
export function certDirOf(value: unknown, origin: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw configError(
      Code.INVALID_ARGUMENT,
      `${origin} must be a directory path string, got ${kindOf(value)}`,
      'pass the directory holding ca.crt, client.crt and client.key',
    );
  return value;
}

/**
 * True when the input looks like base64 data (a key body, a base64-encoded PEM file), not a path.
 *
 * @example
 * looksLikeBase64('MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg') // true
 * looksLikeBase64('./certs/client.key') // false
 */
export function looksLikeBase64(text: string): boolean {
  return text.length >= 40 && /^[A-Za-z0-9+/=_\r\n-]+$/.test(text) && !text.includes('.');
}

function pathShaped(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a path never holds control characters; PEM and base64 values may
  if (text.length > 1024 || /[\0-\x1f"'`{},;]/.test(text)) return false;
  try {
    if (statSync(text, { throwIfNoEntry: false })) return true;
  } catch {
    return false;
  }
  // base64, base64url and hex never hold a dot; a certificate or key file name nearly always does.
  const name = text.split(/[\\/]/).pop() ?? '';
  return name.includes('.') && !looksLikeBase64(text);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The type of a value for messages, never the value: `number`, `object`, `array`, `null`. */
function kindOf(value: unknown): string {
  return value === null
    ? 'null'
    : Array.isArray(value)
      ? value.length === 0
        ? 'an empty array'
        : 'an array of something other than PEM strings or bytes'
      : typeof value;
}
