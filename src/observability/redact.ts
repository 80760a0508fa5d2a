import type { CallMetadata } from '../metadata/call-metadata.js';

/**
 * Parts of a metadata key that mark its value as secret: a key containing any of them (in any
 * case) is redacted, and so is every binary (`-bin`) key. Broad on purpose: printing a secret
 * costs more than hiding a harmless value.
 *
 * @example
 * SENSITIVE_KEY_PARTS.some((part) => 'x-api-key'.includes(part)) // true
 */
export const SENSITIVE_KEY_PARTS: readonly string[] = Object.freeze([
  'auth',
  'token',
  'secret',
  'passw',
  'key',
  'session',
  'cookie',
  'credential',
  'signature',
]);

/**
 * True for metadata keys whose values must never be printed: any key containing one of
 * {@link SENSITIVE_KEY_PARTS} or one of `extra` (case-insensitive), and any `-bin` key.
 *
 * @example
 * isSensitiveKey('x-session-id') // true
 * isSensitiveKey('x-tenant', ['tenant']) // true
 * isSensitiveKey('x-request-id') // false
 */
export function isSensitiveKey(key: string, extra: readonly string[] = []): boolean {
  const k = key.toLowerCase();
  return (
    k.endsWith('-bin') ||
    SENSITIVE_KEY_PARTS.some((part) => k.includes(part)) ||
    extra.some((part) => k.includes(part.toLowerCase()))
  );
}

/**
 * Renders metadata for a log line with sensitive values (see {@link isSensitiveKey}) replaced by `[redacted]`.
 *
 * @example
 * redactMetadata(md) // 'authorization=[redacted] x-request-id=42'
 * redactMetadata(md, ['tenant']) // 'x-tenant=[redacted] x-request-id=42'
 */
export function redactMetadata(md: CallMetadata, extra: readonly string[] = []): string {
  const parts: string[] = [];
  for (const [key, values] of Object.entries(md.toJSON())) {
    for (const v of values)
      parts.push(
        `${key}=${isSensitiveKey(key, extra) ? '[redacted]' : v instanceof Uint8Array ? `<${v.length} bytes>` : v}`,
      );
  }
  return parts.join(' ');
}
