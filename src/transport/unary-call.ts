import type { CallMetadata } from '../metadata/call-metadata.js';
import { grpcMetadata } from './grpc-metadata.js';
import { Metadata, status as Status, type ChannelInterface, type ServiceError, type StatusObject } from '@grpc/grpc-js';

/** grpc-js's `Call` (what `Channel#createCall` returns; not exported by name, pinned by a contract test). */
type ChannelCall = ReturnType<ChannelInterface['createCall']>;

/**
 * How one unary attempt ends: the decoded response, or an error shaped as grpc-js's client
 * layer makes it (`code`, `details`, `metadata`, message `"14 UNAVAILABLE: …"`); the response
 * headers and trailers when they arrived.
 */
export type UnaryDone = (
  error: ServiceError | null,
  message: unknown,
  header: Metadata | undefined,
  trailer: Metadata | undefined,
) => void;

/**
 * One unary attempt straight on the grpc-js channel (`Channel#createCall`): what
 * `Client#makeUnaryRequest` does, without its EventEmitter, its interceptor chain (the SDK
 * refuses grpc-js interceptors in `channelOptions`) and the `new Error()` it makes on every call
 * for the caller's stack. The channel's own work stays: name resolution, load balancing, the
 * deadline timer and `grpc-timeout`, keepalive, compression, channelz. `bytes` is the encoded
 * request; `decode` turns the response bytes into the message. When `signal` aborts, the call is
 * cancelled as `Client`'s `cancel()` does (`CANCELLED`, "Cancelled on client").
 *
 * @example
 * startUnary(client.getChannel(), '/hello.v1.HelloService/Hello', bytes, decode, new Metadata(), Date.now() + 10_000, undefined,
 *   (err, message) => console.log(err ?? message));
 */
export function startUnary(
  channel: ChannelInterface,
  path: string,
  bytes: Buffer,
  decode: (bytes: Buffer) => unknown,
  metadata: CallMetadata,
  deadline: number,
  signal: AbortSignal | undefined,
  done: UnaryDone,
  group?: CallGroup,
): void {
  const call = channel.createCall(path, deadline, undefined, null, undefined);
  const inGroup = group !== undefined && signal === group.signal;
  const listener = new UnaryListener(call, decode, done, inGroup ? undefined : signal, inGroup ? group : undefined);
  call.start(grpcMetadata(metadata), listener);
  call.startRead();
  call.sendMessageWithContext({}, bytes);
  call.halfClose();
  if (signal) {
    if (signal.aborted) listener.handleEvent();
    else if (inGroup) group.calls.add(listener);
    else signal.addEventListener('abort', listener, { once: true });
  }
}

/**
 * The calls in flight under one long-lived signal (a client's `close()`): one abort listener for
 * all of them, a `Set` entry per call. An `AbortSignal` checks every listener it holds for a
 * duplicate on each `addEventListener`, which costs in proportion to the calls in flight.
 *
 * @example
 * const group = new CallGroup(closing.signal);
 * startUnary(channel, path, bytes, decode, metadata, deadline, closing.signal, done, group);
 */
export class CallGroup {
  /** @internal */
  readonly calls = new Set<{ handleEvent(): void }>();

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener(
      'abort',
      () => {
        for (const call of this.calls) call.handleEvent();
      },
      { once: true },
    );
  }
}

/** The listener of one call (prototype methods, no closures), and the abort listener of its signal. */
class UnaryListener {
  private header: Metadata | undefined = undefined;
  private response: Buffer | undefined = undefined;
  private finished = false;

  constructor(
    private readonly call: ChannelCall,
    private readonly decode: (bytes: Buffer) => unknown,
    private readonly done: UnaryDone,
    private readonly signal: AbortSignal | undefined,
    private readonly group: CallGroup | undefined,
  ) {}

  onReceiveMetadata(metadata: Metadata): void {
    this.header = metadata;
  }

  onReceiveMessage(bytes: Buffer): void {
    if (this.response !== undefined) {
      this.call.cancelWithStatus(Status.UNIMPLEMENTED, 'Too many responses received');
      return;
    }
    this.response = bytes;
  }

  onReceiveStatus(status: StatusObject): void {
    if (this.finished) return;
    this.finished = true;
    if (this.group) this.group.calls.delete(this);
    else this.signal?.removeEventListener('abort', this);
    let error: ServiceError | null = null;
    let message: unknown;
    if (status.code !== Status.OK) error = callError(status);
    else if (this.response === undefined)
      error = callError({ code: Status.UNIMPLEMENTED, details: 'No message received', metadata: status.metadata });
    else {
      try {
        message = this.decode(this.response);
      } catch (err) {
        const details = `Response message parsing error: ${err instanceof Error ? err.message : String(err)}`;
        error = callError({ code: Status.INTERNAL, details, metadata: new Metadata() });
      }
    }
    this.done(error, message, this.header, status.metadata);
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.call.cancelWithStatus(Status.CANCELLED, 'Cancelled on client');
  }
}

/** The error grpc-js's client layer makes from a status (`callErrorFromStatus`, without the caller's stack). */
function callError(status: StatusObject): ServiceError {
  return Object.assign(new Error(`${status.code} ${Status[status.code]}: ${status.details}`), status);
}
