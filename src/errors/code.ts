/**
 * gRPC status codes, the only place they are named (the numbers of the gRPC spec, equal to
 * grpc-js's `status`, `Code[14]` is `'UNAVAILABLE'`; defined here so that the browser client needs no grpc-js).
 *
 * @example
 * if (err instanceof PantryError && err.code === Code.NOT_FOUND) return undefined;
 */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** The name of a gRPC status code, e.g. `'UNAVAILABLE'`. */
export type CodeName = keyof typeof Code;

/**
 * Returns the name of a status code, or `'UNKNOWN'` for a number outside the table.
 *
 * @example
 * codeName(14) // 'UNAVAILABLE'
 */
export function codeName(code: number): CodeName {
  return (Code[code] as CodeName | undefined) ?? 'UNKNOWN';
}
