import { status } from '@grpc/grpc-js';

/**
 * gRPC status codes, the only place they are named.
 *
 * @example
 * if (err instanceof PantryError && err.code === Code.NOT_FOUND) return undefined;
 */
export const Code = status;
/** A gRPC status code number, e.g. `Code.UNAVAILABLE` (14). */
export type Code = status;

/** The name of a gRPC status code, e.g. `'UNAVAILABLE'`. */
export type CodeName = keyof typeof status;

/**
 * Returns the name of a status code, or `'UNKNOWN'` for a number outside the table.
 *
 * @example
 * codeName(14) // 'UNAVAILABLE'
 */
export function codeName(code: number): CodeName {
  return (status[code] as CodeName | undefined) ?? 'UNKNOWN';
}
