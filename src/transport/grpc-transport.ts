import { grpcMetadata } from './grpc-metadata.js';
import { Metadata, type ChannelInterface, type Client, type ClientReadableStream } from '@grpc/grpc-js';
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
import { startUnary } from './unary-call.js';

// Requests are encoded before grpc-js sees them (encodeRequest names a bad field), so its serializer passes bytes through.
const passBytes = (bytes: Buffer) => bytes;
const deserializers = new WeakMap<MethodInfo, (bytes: Buffer) => unknown>();

/** The response decoder of a method (one per method). */
export function deserializerOf(method: MethodInfo): (bytes: Buffer) => unknown {
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
export function grpcTransport(client: Client, hints: HintContext): CallFn {
  const toError = (err: unknown, method: string) => toPantryError(err, method, hints);
  const channel = client.getChannel();
  return (req) => (req.kind === 'unary' ? unary(channel, req, toError) : serverStream(client, req, toError));
}

type ToError = (err: unknown, method: string) => PantryError;

function unary(channel: ChannelInterface, req: UnaryRequest, toError: ToError): Promise<UnaryResponse> {
  return new Promise((resolve, reject) => {
    const bytes = encodeRequest(req.method, req.message); // a throw here rejects
    startUnary(
      channel,
      req.method.path,
      bytes,
      deserializerOf(req.method),
      req.metadata,
      req.deadline,
      req.signal,
      (err, message, header, trailer) => {
        if (err) reject(toError(err, req.method.path));
        // grpc-js calls back before it emits 'status' with the trailers (client.js, makeUnaryRequest):
        // resolve once that has run, or a successful call would never carry its trailers.
        else queueMicrotask(() => resolve({ kind: 'unary', message, header, trailer }));
      },
    );
  });
}

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
    grpcMetadata(req.metadata),
    deadlineOption(req),
  );
  const stopListening = onAbort(req.signal, () => call.cancel());
  let header = new Metadata();
  call.once('metadata', (md: Metadata) => (header = md));
  const queue = new MessageQueue(call);
  let first: IteratorResult<unknown>;
  try {
    first = await queue.next();
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
    queue.stop();
    if (cancelCall) call.cancel(); // left early (break, return, throw): stop the stream on the server too
  };
  if (first.done) stopListening();
  // From here the queue settles the end and the error itself: no promise of ours per message.
  queue.onEnd = () => finish(false);
  queue.toError = (err) => toError(err, req.method.path);
  const messages: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (pending) {
        const m = pending;
        pending = undefined;
        return Promise.resolve(m);
      }
      if (!open) return Promise.resolve(DONE);
      return queue.next();
    },
    async return() {
      finish(true);
      return DONE;
    },
  };
  return { kind: 'server_streaming', stream: messages, header };
}

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined });
const noop = () => {};

/**
 * The messages of a grpc-js stream as an async iterator, fed by its `data` events: a message that
 * has arrived costs one resolved promise (Node's `Readable` iterator costs several). Messages
 * received before an error are read first; past {@link HIGH_WATER} unread messages the stream is
 * paused (grpc-js then stops reading from the connection) until the reader catches up.
 */
class MessageQueue {
  private readonly buffer: unknown[] = [];
  private head = 0;
  private ended = false;
  private error: unknown = undefined;
  private failed = false;
  private pendingError = false;
  private stopped = false;
  private paused = false;
  private waiting: { resolve(r: IteratorResult<unknown>): void; reject(err: unknown): void } | undefined;

  /** Runs when the reader meets the end or the error. */
  onEnd: () => void = noop;
  /** The error the reader gets. */
  toError: (err: unknown) => unknown = (err) => err;

  constructor(private readonly call: ClientReadableStream<unknown>) {
    call.on('data', (m: unknown) => this.push(m));
    call.on('end', () => this.end());
    call.on('error', (err: unknown) => this.fail(err));
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head++];
      if (this.head === this.buffer.length) {
        this.buffer.length = 0;
        this.head = 0;
      }
      if (this.paused && this.buffer.length - this.head <= LOW_WATER) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.failed) {
      this.onEnd();
      return Promise.reject(this.toError(this.error));
    }
    if (this.ended) {
      this.onEnd();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** The reader left: drop what is buffered and whatever still comes (an error included). */
  stop(): void {
    this.stopped = true;
    this.ended = true;
    this.buffer.length = 0;
    this.head = 0;
    this.waiting = undefined;
    this.call.removeAllListeners('data');
  }

  private push(m: unknown): void {
    if (this.stopped) return;
    const w = this.waiting;
    if (w) {
      this.waiting = undefined;
      w.resolve({ done: false, value: m });
      return;
    }
    this.buffer.push(m);
    if (!this.paused && this.buffer.length - this.head >= HIGH_WATER) {
      this.paused = true;
      this.call.pause();
    }
  }

  /** The stream ended: cleanly, or after an error whose messages still queued in the stream have now been read. */
  private end(): void {
    if (this.ended) return;
    if (this.pendingError) this.failed = true;
    else this.ended = true;
    const w = this.waiting;
    if (!w) return;
    this.waiting = undefined;
    this.onEnd();
    if (this.failed) w.reject(this.toError(this.error));
    else w.resolve(DONE);
  }

  private fail(err: unknown): void {
    if (this.ended || this.failed || this.pendingError) return;
    this.error = err;
    this.pendingError = true;
    // grpc-js ends the stream (push(null)) just before its 'error': messages still queued in it
    // (paused) come first, then 'end' settles the error; with none left, it is settled now.
    if (this.call.readableLength === 0) this.end();
  }
}

const HIGH_WATER = 64;
const LOW_WATER = 16;
