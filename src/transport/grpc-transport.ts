import { Metadata, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { Code } from '../errors/code.js';
import { hintFor, type HintContext } from '../errors/hints.js';
import type { CallFn, ServerStreamRequest, ServerStreamResponse, UnaryRequest, UnaryResponse } from '../pipeline/interceptor.js';
import { onAbort } from '../pipeline/signals.js';
import type { MethodInfo } from '../schema/method-info.js';
import { encodeRequest } from '../schema/encode-request.js';
import { errorInfoOf, hintForReason } from '../errors/error-info.js';
import { PantryError } from '../errors/pantry-error.js';

// Requests are encoded before grpc-js sees them (encodeRequest names a bad field), so its serializer passes bytes through.
const passBytes = (bytes: Buffer) => bytes;
const deserializers = new WeakMap<MethodInfo, (bytes: Buffer) => unknown>();

function deserializerOf(method: MethodInfo): (bytes: Buffer) => unknown {
  let fn = deserializers.get(method);
  if (!fn) {
    const type = method.responseType;
    fn = (bytes) => type.decode(bytes);
    deserializers.set(method, fn);
  }
  return fn;
}

/**
 * The centre of the pipeline: one attempt over a grpc-js channel. Unary calls resolve with the
 * response; server streams resolve once their first message (or their clean end) has arrived,
 * so that a stream which fails before any message can be retried. Every failure becomes a
 * {@link PantryError} with a hint when its shape is known.
 *
 * @example
 * const transport = grpcTransport(new Client(target, credentials), { address: target, insecure: false });
 */
export function grpcTransport(client: Client, hints: HintContext, options: { alwaysMetadata?: boolean } = {}): CallFn {
  const toError = (err: unknown, method: string) => toPantryError(err, method, hints);
  const alwaysMetadata = options.alwaysMetadata ?? true;
  return (req) => (req.kind === 'unary' ? unary(client, req, toError, alwaysMetadata) : serverStream(client, req, toError));
}

type ToError = (err: unknown, method: string) => PantryError;

function unary(client: Client, req: UnaryRequest, toError: ToError, alwaysMetadata: boolean): Promise<UnaryResponse> {
  return new Promise((resolve, reject) => {
    const bytes = encodeRequest(req.method, req.message); // a throw here rejects
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    let stopListening = noop;
    const call = client.makeUnaryRequest(req.method.path, passBytes, deserializerOf(req.method), bytes, req.metadata, deadlineOption(req), (err, message) => {
      stopListening();
      if (err) reject(toError(err, req.method.path));
      else resolve({ kind: 'unary', message, header, trailer });
    });
    // Listen for headers and trailers only when someone can see them: it costs on every call.
    if (alwaysMetadata || req.options.onHeader || req.options.onTrailer) {
      call.on('metadata', (md) => (header = md));
      call.on('status', (s) => (trailer = s.metadata));
    }
    stopListening = onAbort(req.signal, () => call.cancel());
  });
}

const noop = () => {};

function deadlineOption(req: UnaryRequest | ServerStreamRequest): { deadline?: number } {
  return Number.isFinite(req.deadline) ? { deadline: req.deadline } : {};
}

async function serverStream(client: Client, req: ServerStreamRequest, toError: ToError): Promise<ServerStreamResponse> {
  const bytes = encodeRequest(req.method, req.message);
  const call: ClientReadableStream<unknown> = client.makeServerStreamRequest(req.method.path, passBytes, deserializerOf(req.method), bytes, req.metadata, deadlineOption(req));
  const stopListening = onAbort(req.signal, () => call.cancel());
  let header = new Metadata();
  call.once('metadata', (md: Metadata) => (header = md));
  const iterator = call[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (err) {
    stopListening();
    throw toError(err, req.method.path);
  }
  let pending: IteratorResult<unknown> | undefined = first.done ? undefined : first;
  let open = !first.done;
  const finish = (cancelCall: boolean) => {
    if (!open) return;
    open = false;
    stopListening();
    if (cancelCall) call.cancel(); // left early (break, return, throw): stop the stream on the server too
  };
  if (first.done) stopListening();
  const messages: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (pending) {
        const m = pending;
        pending = undefined;
        return m;
      }
      if (!open) return { done: true, value: undefined };
      try {
        const r = await iterator.next();
        if (r.done) finish(false);
        return r;
      } catch (err) {
        finish(false);
        throw toError(err, req.method.path);
      }
    },
    async return() {
      finish(true);
      await iterator.return?.();
      return { done: true, value: undefined };
    },
  };
  return { kind: 'server_streaming', stream: messages, header };
}

/** The text a "message larger than max" length spells, when it is ASCII letters (an HTML or text page), else undefined. */
function errorPageLength(details: string): string | undefined {
  const m = /Received message larger than max \((\d+) vs/.exec(details);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n < 2 ** 32)) return undefined;
  const text = Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString('latin1');
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
    let code: Code = se.code;
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
    return new PantryError({ code, details, method, metadata: se.metadata, hint: hintForReason(errorInfoOf(se.metadata)) ?? hintFor(code, details, hints), cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PantryError({ code: Code.INTERNAL, details: `the request could not be sent: ${message}`, method, cause: err });
}
