import { Metadata, type Client, type ClientReadableStream } from '@grpc/grpc-js';
import { toPantryError } from '../errors/grpc-status.js';
import type { HintContext } from '../errors/hints.js';
import type {
  CallFn,
  ServerStreamRequest,
  ServerStreamResponse,
  UnaryRequest,
  UnaryResponse,
} from '../pipeline/interceptor.js';
import { onAbort } from '../pipeline/signals.js';
import type { MethodInfo } from '../schema/method-info.js';
import { encodeRequest } from '../schema/encode-request.js';
import type { PantryError } from '../errors/pantry-error.js';

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
  return (req) =>
    req.kind === 'unary' ? unary(client, req, toError, alwaysMetadata) : serverStream(client, req, toError);
}

type ToError = (err: unknown, method: string) => PantryError;

function unary(client: Client, req: UnaryRequest, toError: ToError, alwaysMetadata: boolean): Promise<UnaryResponse> {
  return new Promise((resolve, reject) => {
    const bytes = encodeRequest(req.method, req.message); // a throw here rejects
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    let stopListening = noop;
    const call = client.makeUnaryRequest(
      req.method.path,
      passBytes,
      deserializerOf(req.method),
      bytes,
      req.metadata,
      deadlineOption(req),
      (err, message) => {
        stopListening();
        if (err) reject(toError(err, req.method.path));
        // grpc-js calls back before it emits 'status' with the trailers (client.js, makeUnaryRequest):
        // resolve once that has run, or a successful call would never carry its trailers.
        else queueMicrotask(() => resolve({ kind: 'unary', message, header, trailer }));
      },
    );
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
  const call: ClientReadableStream<unknown> = client.makeServerStreamRequest(
    req.method.path,
    passBytes,
    deserializerOf(req.method),
    bytes,
    req.metadata,
    deadlineOption(req),
  );
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
