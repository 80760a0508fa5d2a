import type { Metadata } from '@grpc/grpc-js';

const SENSITIVE = /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key)$|-(?:key|token|secret)(?:-bin)?$|^grpc-status-details-bin$/i;

/**
 * True for metadata keys whose values must never be printed: `authorization`, `cookie`,
 * and anything ending in `-key`, `-token` or `-secret`.
 *
 * @example
 * isSensitiveKey('x-session-token') // true
 */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.test(key);
}

/**
 * Renders metadata for a log line with sensitive values replaced by `[redacted]`.
 *
 * @example
 * redactMetadata(md) // 'authorization=[redacted] x-request-id=42'
 */
export function redactMetadata(md: Metadata): string {
  const parts: string[] = [];
  for (const [key, values] of Object.entries(md.toJSON())) {
    for (const v of values) parts.push(`${key}=${isSensitiveKey(key) ? '[redacted]' : Buffer.isBuffer(v) ? `<${v.length} bytes>` : v}`);
  }
  return parts.join(' ');
}
