import { type CallMetadata, type CallOptions, PantryError } from '../../src/index.js';

/**
 * What a call came to, in a form two servers can be compared by: the response (timestamps as
 * "set"/"unset", since the Go server has nanoseconds and the fake milliseconds) and the pantry-*
 * headers, or the status code, the raw message, every detail decoded, and the pushback trailer.
 */
export type Outcome =
  | { ok: unknown; headers: Record<string, string> }
  | {
      code: string;
      message: string;
      details: { type: string; message: unknown }[];
      pushback?: string;
      /** pantry-* keys among the response headers and among the trailers of a failed call. */
      headers?: Record<string, string>;
      trailers?: Record<string, string>;
    };

/** Runs `call` with options that capture the headers (and no retries), and returns its outcome. */
export async function outcomeOf(call: (options: CallOptions) => Promise<unknown>): Promise<Outcome> {
  let headers: CallMetadata | undefined;
  try {
    const ok = await call({ retry: false, onHeader: (h) => (headers = h) });
    return { ok: plain(ok), headers: pantryHeaders(headers) };
  } catch (err) {
    const failure = failureOf(err);
    const sent = pantryHeaders(headers);
    return Object.keys(sent).length === 0 ? failure : { ...failure, headers: sent };
  }
}

/** The outcome of a thrown error: a PantryError's status, details and pushback trailer. */
export function failureOf(err: unknown): Outcome {
  if (!PantryError.is(err)) throw err;
  const pushback = err.metadata.get('grpc-retry-pushback-ms')[0];
  const trailers = pantryHeaders(err.metadata);
  return {
    code: err.codeName,
    message: err.details,
    details: err.statusDetails.map((d) => ({ type: d.type, message: plain(d.message) })),
    ...(pushback === undefined ? {} : { pushback: String(pushback) }),
    ...(Object.keys(trailers).length === 0 ? {} : { trailers }),
  };
}

/** Reads a stream to its end (or its failure), normalising each message. */
export async function streamOutcome(stream: AsyncIterable<unknown>): Promise<{ messages: unknown[]; end: Outcome }> {
  const messages: unknown[] = [];
  try {
    for await (const m of stream) messages.push(plain(m));
    return { messages, end: { ok: 'end', headers: {} } };
  } catch (err) {
    return { messages, end: failureOf(err) };
  }
}

function pantryHeaders(md: CallMetadata | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md?.getMap() ?? {})) if (k.startsWith('pantry-')) out[k] = String(v);
  return out;
}

/** A deep copy with Dates as "set" and Buffers as hex. */
export function plain(value: unknown): unknown {
  if (value instanceof Date) return 'set';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value === undefined ? 'unset' : value;
}

/**
 * A stream that ends with an error, as far as it is deterministic: grpc-js reports a non-OK
 * status as soon as it arrives and drops messages that came in the same read but were not yet
 * delivered, so how many messages precede the error varies from run to run (against either
 * server). What holds is the end status and that the messages are the first of `expected`, at
 * most `max` of them.
 */
export async function failedStreamOutcome(
  stream: AsyncIterable<unknown>,
  expected: readonly unknown[],
  max: number,
): Promise<{ end: Outcome; prefix: boolean }> {
  const { messages, end } = await streamOutcome(stream);
  const prefix = messages.length <= max && messages.every((m, i) => JSON.stringify(m) === JSON.stringify(expected[i]));
  return { end, prefix };
}
