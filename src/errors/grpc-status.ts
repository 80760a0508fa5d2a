import type { ServiceError } from '@grpc/grpc-js';
import { Code } from './code.js';
import { errorInfoOf, hintForReason } from './error-info.js';
import { statusDetailsOf } from './status-details.js';
import { hintFor, type HintContext } from './hints.js';
import { PantryError } from './pantry-error.js';

/** The text a "message larger than max" length spells, when it is ASCII letters (an HTML or text page), else undefined. */
function errorPageLength(details: string): string | undefined {
  const m = /Received message larger than max \((\d+) vs/.exec(details);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n < 2 ** 32)) return undefined;
  const text = String.fromCharCode(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  return /^[A-Za-z<!/ ]{4}$/.test(text) ? text : undefined;
}

/**
 * Converts a grpc-js error (or anything thrown during an attempt) into a {@link PantryError}.
 *
 * @example
 * toPantryError(serviceError, '/hello.v1.HelloService/Hello', { address: 'localhost:8443', insecure: false })
 */
export function toPantryError(err: unknown, method: string, hints: HintContext): PantryError {
  if (err instanceof PantryError) return err;
  const se = err as Partial<ServiceError>;
  if (typeof se?.code === 'number') {
    let code: Code = se.code as number;
    let details = se.details ?? se.message ?? '';
    if (code === Code.RESOURCE_EXHAUSTED && errorPageLength(details)) {
      // A proxy's HTML error page parsed as a gRPC frame: under load grpc-js can see the body before
      // the non-200 status, and the length prefix "html" reads as 1752460652 bytes. It is the proxy's error.
      code = Code.UNAVAILABLE;
      details += ` (the length prefix reads "${errorPageLength(details)}": the proxy sent an HTML error page, not gRPC)`;
    } else if (code === Code.INTERNAL && details.startsWith('Failed to start HTTP/2 stream')) {
      // The connection went away between picking it and opening the stream: nothing was sent.
      // grpc-js retried this itself before 'grpc.enable_retries' was 0; now the SDK's policy does.
      code = Code.UNAVAILABLE;
      details += ' (the request was not sent)';
    }
    const statusDetails = statusDetailsOf(se.metadata);
    return new PantryError({
      code,
      details,
      method,
      metadata: se.metadata,
      statusDetails,
      hint: hintForReason(errorInfoOf(statusDetails)) ?? hintFor(code, details, hints),
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PantryError({
    code: Code.INTERNAL,
    details: `the request could not be sent: ${message}`,
    method,
    cause: err,
  });
}
