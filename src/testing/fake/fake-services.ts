import {
  Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Code } from '../../errors/code.js';
import type { PantryError } from '../../errors/pantry-error.js';
import { HelloServiceDefinition } from '../../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../../generated/pantry/v1/food_storage_service.js';
import type { FakeCall, FakeMethod } from './fake-handlers.js';
import { type Fault, Faults } from './faults.js';
import { FoodStore } from './food-store.js';
import { foodStorageService } from './food-storage.js';
import type { HandlerContext } from './handler-context.js';
import { helloService } from './hello.js';
import { asStatus, fakeStatus, serverError } from './status.js';
import { watchExpiringFoods } from './watch.js';

type UnaryImpl = (request: never, ctx: HandlerContext) => Promise<unknown>;
type StreamImpl = (request: never, ctx: HandlerContext) => AsyncIterable<unknown>;

/**
 * The state of one fake (store, faults, handlers, calls received) and the grpc-js handlers over
 * it: each call takes its fault (scripted, or from metadata), waits its delay, answers the fault's
 * status or runs the handler (an override, else the fake's own), and for a lost response answers
 * the status after running it.
 *
 * @example
 * const services = new FakeServices(() => new Date(), false, {});
 * server.addService(grpcServiceOf(HelloServiceDefinition), services.implementation('hello'));
 */
export class FakeServices {
  readonly store: FoodStore;
  readonly faults: Faults;
  readonly received: FakeCall[] = [];
  readonly closing = new AbortController();
  private readonly own: Record<string, UnaryImpl | StreamImpl>;

  constructor(
    now: () => Date,
    faultInjection: boolean,
    readonly handlers: Record<string, unknown>,
  ) {
    this.store = new FoodStore(now);
    this.faults = new Faults(faultInjection);
    const watch = watchExpiringFoods(this.store, now);
    this.own = {
      ...foodStorageService(this.store),
      ...helloService(),
      watchExpiringFoods: (req: never, ctx: HandlerContext) => watch(req, ctx.signal, this.closing.signal),
    } as Record<string, UnaryImpl | StreamImpl>;
  }

  /** The grpc-js implementation of one service. */
  implementation(service: 'food' | 'hello'): UntypedServiceImplementation {
    const methods = service === 'food' ? FoodStorageServiceDefinition.methods : HelloServiceDefinition.methods;
    const impl: UntypedServiceImplementation = {};
    for (const [name, m] of Object.entries(methods)) {
      impl[name] = m.responseStream
        ? (call: ServerWritableStream<unknown, unknown>) => void this.serveStream(name as FakeMethod, call)
        : (call: ServerUnaryCall<unknown, unknown>, done: sendUnaryData<unknown>) =>
            void this.serveUnary(name as FakeMethod, call, done);
    }
    return impl;
  }

  private context(
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    method: FakeMethod,
  ) {
    const aborted = new AbortController();
    call.on('cancelled', () => aborted.abort());
    const headers = new Metadata();
    const own = this.own[method] as (req: unknown, ctx: HandlerContext) => unknown;
    const ctx: HandlerContext = {
      metadata: call.metadata,
      signal: AbortSignal.any([aborted.signal, this.closing.signal]),
      setHeader: (key, value) => headers.set(key, value),
      next: (req) => own(req, ctx),
    };
    const handler = (this.handlers[method] ?? own) as (req: unknown, ctx: HandlerContext) => unknown;
    this.received.push({ method, request: call.request, metadata: call.metadata });
    let headersSent = false;
    const sendHeaders = () => {
      if (headersSent || Object.keys(headers.getMap()).length === 0) return;
      headersSent = true;
      call.sendMetadata(headers);
    };
    return { ctx, handler, sendHeaders, cancelled: aborted.signal };
  }

  private async serveUnary(
    method: FakeMethod,
    call: ServerUnaryCall<unknown, unknown>,
    done: sendUnaryData<unknown>,
  ): Promise<void> {
    const { ctx, handler, sendHeaders, cancelled } = this.context(call, method);
    const fail = (status: PantryError, fault?: Fault) => {
      sendHeaders();
      done(serverError(status, pushback(fault)));
    };
    let fault: Fault | undefined;
    try {
      fault = this.faults.take(method, call.metadata);
      if (fault?.delayMs) await sleep(fault.delayMs, cancelled);
    } catch (err) {
      return fail(asStatus(err));
    }
    // As the Go server: a call whose client left during the delay is not run (nothing is applied).
    if (cancelled.aborted) return fail(fakeStatus(Code.CANCELLED, 'the client cancelled the call'));
    if (fault?.status && !fault.after) return fail(fault.status, fault);
    let response: unknown;
    try {
      response = await handler(call.request, ctx);
    } catch (err) {
      if (!(fault?.status && fault.after)) return fail(asStatus(err));
    }
    if (fault?.status && fault.after) return fail(fault.status, fault);
    sendHeaders();
    done(null, response);
  }

  private async serveStream(method: FakeMethod, call: ServerWritableStream<unknown, unknown>): Promise<void> {
    const { ctx, handler, sendHeaders, cancelled } = this.context(call, method);
    const fail = (status: PantryError, fault?: Fault) => {
      sendHeaders();
      call.emit('error', serverError(status, pushback(fault)));
    };
    let fault: Fault | undefined;
    try {
      fault = this.faults.take(method, call.metadata);
      if (fault?.delayMs) await sleep(fault.delayMs, cancelled);
    } catch (err) {
      return fail(asStatus(err));
    }
    if (cancelled.aborted) return fail(fakeStatus(Code.CANCELLED, 'the client cancelled the call'));
    const cutAfter = fault?.streamAfter ?? -1;
    if (fault?.status && !fault.after && cutAfter < 0) return fail(fault.status, fault);
    const cutStatus = fault?.status ?? fakeStatus(Code.UNAVAILABLE, fault?.message ?? '');
    let sent = 0;
    try {
      if (cutAfter !== 0) {
        const messages = handler(call.request, ctx) as AsyncIterable<unknown>;
        for await (const message of messages) {
          if (cancelled.aborted) return;
          sendHeaders();
          if (!call.write(message)) await drained(call, cancelled);
          if (++sent === cutAfter) break;
        }
      }
    } catch (err) {
      if (cutAfter < 0 && !(fault?.status && fault.after)) return fail(asStatus(err));
    }
    if (cancelled.aborted) return;
    if (cutAfter >= 0) return fail(cutStatus, fault);
    if (fault?.status && fault.after) return fail(fault.status, fault);
    sendHeaders();
    call.end();
  }
}

/** The trailer of gRFC A6 a fault asks for. */
function pushback(fault: Fault | undefined): Metadata | undefined {
  if (fault?.pushbackMs === undefined) return undefined;
  const md = new Metadata();
  md.set('grpc-retry-pushback-ms', fault.pushbackMs);
  return md;
}

/** Waits `ms`, or until `signal` aborts (the call is over; nothing will be sent). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Resolves when `call` can take more messages, or when the client has gone. */
function drained(call: ServerWritableStream<unknown, unknown>, cancelled: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      cancelled.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    cancelled.addEventListener('abort', done, { once: true });
  });
}
