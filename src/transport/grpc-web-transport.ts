import { Code } from '../errors/code.js';
import { toPantryError } from '../errors/grpc-status.js';
import type { HintContext } from '../errors/hints.js';
import { PantryError } from '../errors/pantry-error.js';
import type { CallMetadata } from '../metadata/call-metadata.js';
import type {
  CallFn,
  CallRequest,
  ServerStreamRequest,
  ServerStreamResponse,
  UnaryRequest,
  UnaryResponse,
} from '../pipeline/interceptor.js';
import { onAbort } from '../pipeline/signals.js';
import { FrameReader, headersToMetadata, messageFrame, metadataToHeaders, type Frame } from './grpc-web-frames.js';

/** Where and how the gRPC-Web transport sends its requests. */
export interface GrpcWebTransportOptions {
  /** The proxy's URL without a trailing slash, e.g. `https://pantry.example.com:8443`. */
  readonly baseUrl: string;
  /** The `fetch` to call: the global one in browsers and Node, or your own (e.g. one with a TLS agent). */
  readonly fetch: typeof globalThis.fetch;
  /** The `credentials` mode of every request: `'include'` sends cookies and client certificates cross-origin. */
  readonly credentials?: 'omit' | 'same-origin' | 'include';
  /** What hints may refer to (the proxy's address). */
  readonly hints: HintContext;
}

/**
 * The transport of the browser client: one attempt as one gRPC-Web request over `fetch`
 * (`application/grpc-web+proto`, one length-prefixed frame, `grpc-timeout` from the deadline).
 * Responses are read frame by frame, so a server stream delivers each message as it arrives;
 * trailers-only answers (status in the headers), trailer frames and HTTP errors all become a
 * {@link PantryError} with its hint. The request is cancelled when the call's signal aborts or
 * its deadline passes. Envoy's `grpc_web` filter translates to gRPC for the server.
 *
 * @example
 * const transport = grpcWebTransport({ baseUrl: 'https://localhost:8443', fetch, hints });
 * const pipeline = composeInterceptors([deadline, retry], transport);
 */
export function grpcWebTransport(options: GrpcWebTransportOptions): CallFn {
  return (req) => (req.kind === 'unary' ? unary(options, req) : serverStream(options, req));
}

/** One request in flight: its response frames and the end of its timer and abort wiring. */
interface Exchange {
  readonly header: CallMetadata;
  readonly messages: AsyncGenerator<unknown, CallMetadata, undefined>;
  /** Cancels the request if it still runs, and stops its timer. */
  readonly close: () => void;
}

async function unary(o: GrpcWebTransportOptions, req: UnaryRequest): Promise<UnaryResponse> {
  const ex = await exchange(o, req);
  try {
    let message: unknown;
    let count = 0;
    for (;;) {
      const r = await ex.messages.next();
      if (r.done) {
        if (count === 0) throw failure(o, req, Code.UNIMPLEMENTED, 'No message received', r.value);
        return { kind: 'unary', message, header: ex.header, trailer: r.value };
      }
      if (++count > 1) throw failure(o, req, Code.UNIMPLEMENTED, 'Too many responses received', ex.header);
      message = r.value;
    }
  } finally {
    ex.close();
  }
}

async function serverStream(o: GrpcWebTransportOptions, req: ServerStreamRequest): Promise<ServerStreamResponse> {
  const ex = await exchange(o, req);
  let first: IteratorResult<unknown, CallMetadata>;
  try {
    first = await ex.messages.next();
  } catch (err) {
    ex.close();
    throw err;
  }
  if (first.done) ex.close();
  const rest = ex.messages;
  let pending: IteratorResult<unknown> | undefined = first.done ? undefined : first;
  const stream: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<unknown>> {
        if (first.done) return { done: true, value: undefined };
        if (pending) {
          const p = pending;
          pending = undefined;
          return p;
        }
        try {
          const r = await rest.next();
          if (r.done) {
            ex.close();
            return { done: true, value: undefined };
          }
          return r;
        } catch (err) {
          ex.close();
          throw err;
        }
      },
      async return(): Promise<IteratorResult<unknown>> {
        ex.close();
        await rest.return(undefined as never).catch(() => {});
        return { done: true, value: undefined };
      },
    }),
  };
  return { kind: 'server_streaming', stream, header: ex.header };
}

/** Sends the request and waits for the response headers; a trailers-only or HTTP error rejects. */
async function exchange(o: GrpcWebTransportOptions, req: CallRequest): Promise<Exchange> {
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = messageFrame(req.method.requestType.encode(req.message).finish());
  } catch (err) {
    const details = `a request field has a value of the wrong type: ${err instanceof Error ? err.message : String(err)}`;
    throw failure(o, req, Code.INVALID_ARGUMENT, details, undefined, err);
  }
  const remaining = req.deadline - Date.now();
  if (remaining <= 0)
    throw failure(o, req, Code.DEADLINE_EXCEEDED, 'deadline exceeded before the attempt started', undefined);
  const controller = new AbortController();
  let timedOut = false;
  // Timers cannot wait longer than 2^31 - 1 ms (about 24.8 days; longer fires at once): beyond that, grpc-timeout alone.
  const timer =
    remaining < 2 ** 31 - 1
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, remaining)
      : undefined;
  const stopListening = onAbort(req.signal, () => controller.abort(req.signal?.reason));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    stopListening();
    controller.abort();
  };
  // What a failure of fetch or of reading the body means: the deadline, the caller's abort, or the network.
  const broken = (err: unknown, when: string): unknown => {
    if (timedOut) return failure(o, req, Code.DEADLINE_EXCEEDED, 'Deadline exceeded', undefined);
    if (req.signal?.aborted) return err; // the pipeline reports the caller's cancellation
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return failure(
      o,
      req,
      Code.UNAVAILABLE,
      `${when}: ${err instanceof Error ? err.message : String(err)}${cause}`,
      undefined,
      err,
    );
  };

  const headers = new Headers({ 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' });
  metadataToHeaders(req.metadata, headers);
  if (Number.isFinite(remaining)) headers.set('grpc-timeout', grpcTimeout(remaining));
  let response: Response;
  try {
    response = await o.fetch(`${o.baseUrl}${req.method.path}`, {
      method: 'POST',
      headers,
      body,
      signal: controller.signal,
      credentials: o.credentials,
    });
  } catch (err) {
    close();
    throw broken(err, 'the request could not be sent');
  }
  const header = headersToMetadata(response.headers);
  const status = header.get('grpc-status')[0];
  if (status !== undefined || !response.ok) {
    close();
    // Trailers-only (the status in the headers), or an HTTP error from the proxy.
    if (status !== undefined) throw statusError(o, req, header);
    throw failure(o, req, httpStatusCode(response.status), `Received HTTP status code ${response.status}`, header);
  }
  if (!response.body) {
    close();
    throw failure(o, req, Code.INTERNAL, 'the response has no body', header);
  }
  const responseBody = response.body;
  async function* messages(): AsyncGenerator<unknown, CallMetadata, undefined> {
    const reader = responseBody.getReader();
    const frames = new FrameReader();
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw broken(err, 'the response was cut off');
        }
        if (chunk.done) break;
        for (const frame of frames.push(chunk.value)) {
          if (frame.kind === 'trailers') return settle(frame);
          yield decode(o, req, frame.bytes);
        }
      }
      throw failure(o, req, Code.INTERNAL, 'the response ended without trailers (no grpc-status)', header);
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  const settle = (frame: Frame & { kind: 'trailers' }): CallMetadata => {
    const code = Number(frame.trailers.get('grpc-status')[0] ?? Number.NaN);
    if (code !== Code.OK) throw statusError(o, req, frame.trailers);
    return frame.trailers;
  };
  return { header, messages: messages(), close };
}

function decode(o: GrpcWebTransportOptions, req: CallRequest, bytes: Uint8Array): unknown {
  try {
    return req.method.responseType.decode(bytes);
  } catch (err) {
    throw failure(o, req, Code.INTERNAL, `Failed to parse server response: ${(err as Error).message}`, undefined, err);
  }
}

/** The error of a status sent in headers (trailers-only) or a trailer frame. */
function statusError(o: GrpcWebTransportOptions, req: CallRequest, md: CallMetadata): PantryError {
  const raw = md.get('grpc-status')[0];
  const code = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Code.UNKNOWN;
  const message = md.get('grpc-message')[0];
  let details = typeof message === 'string' ? message : '';
  try {
    details = decodeURIComponent(details);
  } catch {
    // not percent-encoded after all: kept as sent
  }
  return failure(o, req, code, details, md);
}

function failure(
  o: GrpcWebTransportOptions,
  req: CallRequest,
  code: number,
  details: string,
  metadata: CallMetadata | undefined,
  cause?: unknown,
): PantryError {
  const err = toPantryError({ code, details, metadata, message: details }, req.method.path, o.hints);
  return cause === undefined ? err : new PantryError({ ...fieldsOf(err), cause });
}

function fieldsOf(e: PantryError) {
  return {
    code: e.code,
    details: e.details,
    method: e.method,
    metadata: e.metadata,
    statusDetails: e.statusDetails,
    hint: e.hint,
  };
}

/** The gRPC code of an HTTP status from a proxy without a gRPC status, as the gRPC spec maps it. */
function httpStatusCode(status: number): Code {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** The `grpc-timeout` header of the time left: at most 8 digits, in ms or, when longer, in seconds. */
function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole < 1e8 ? `${whole}m` : `${Math.min(99_999_999, Math.ceil(whole / 1000))}S`;
}
