/**
 * `metadata/` owns the request and response metadata of a call, as the pipeline sees it: one
 * small Headers-like interface that grpc-js's `Metadata` (Node) and {@link PlainMetadata}
 * (browsers, gRPC-Web) both satisfy, so the same stages run over either transport. It is the
 * bottom layer: it imports nothing, and every other folder may import it.
 */

/** One metadata value: a string, or bytes for keys ending in `-bin` (a Node `Buffer` is a `Uint8Array`). */
export type MetadataValue = string | Uint8Array;

/**
 * The metadata of a call: keys are lower-case, each with a list of values. grpc-js's `Metadata`
 * has this shape, and so has {@link PlainMetadata}; an interceptor written against it runs in
 * Node and in browsers.
 *
 * @example
 * const auth: Interceptor = (next) => (req) => {
 *   const metadata = req.metadata.clone();
 *   metadata.set('authorization', `Bearer ${token}`);
 *   return next({ ...req, metadata });
 * };
 */
export interface CallMetadata {
  /** Every value of `key`; `[]` when there is none. */
  get(key: string): MetadataValue[];
  /** Replaces the values of `key` with `value`. */
  set(key: string, value: MetadataValue): void;
  /** Adds `value` to the values of `key`. */
  add(key: string, value: MetadataValue): void;
  /** Removes `key` and its values. */
  remove(key: string): void;
  /** A copy that can be changed without changing this one. */
  clone(): CallMetadata;
  /** The first value of every key. */
  getMap(): { [key: string]: MetadataValue };
  /** Every value of every key. */
  toJSON(): { [key: string]: MetadataValue[] };
}

/**
 * True for a {@link CallMetadata} of either kind (checked by shape, so grpc-js's `Metadata` of any copy passes).
 *
 * @example
 * isCallMetadata(new PlainMetadata()) // true; isCallMetadata({ 'x-a': '1' }) // false
 */
export function isCallMetadata(value: unknown): value is CallMetadata {
  if (value === null || typeof value !== 'object') return false;
  const md = value as Partial<Record<keyof CallMetadata, unknown>>;
  return (
    typeof md.get === 'function' &&
    typeof md.set === 'function' &&
    typeof md.clone === 'function' &&
    typeof md.getMap === 'function' &&
    typeof md.toJSON === 'function'
  );
}
