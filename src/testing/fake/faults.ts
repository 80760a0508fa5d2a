import type { Metadata } from '@grpc/grpc-js';
import { Code, codeName } from '../../errors/code.js';
import type { PantryError } from '../../errors/pantry-error.js';
import type { StatusDetail } from '../../errors/status-details.js';
import { goQuote } from './go-format.js';
import { fakeStatus } from './status.js';

/**
 * A failure scripted into the fake with `fake.fault(method, script)`, for the next `times` calls
 * of the method. The shapes are those of the Go server's fault injection (server/internal/fault).
 *
 * @example
 * fake.fault('getFood', { code: Code.UNAVAILABLE, times: 2, pushbackMs: 50 }); // two failures, then served
 * fake.fault('addFood', { lostResponse: true }); // stored, but the client sees UNAVAILABLE
 * fake.fault('listFoods', { delayMs: 2_000 }); // slow, then served
 */
export interface FaultScript {
  /** The status to answer with. Default `UNAVAILABLE` with `lostResponse` or `streamAfter`, else none (only the delay). */
  code?: Code;
  /** The status message. Default `'injected fault'`. */
  message?: string;
  /** Details sent in `grpc-status-details-bin`, e.g. `[detail(RetryInfo, { … })]`. */
  details?: readonly StatusDetail[];
  /** Wait this long before anything else (a cancelled or expired call stops waiting). Default 0. */
  delayMs?: number;
  /** How many calls the script applies to, then it is gone; `Infinity` for every call. Default 1. */
  times?: number;
  /** Run the call (the write is applied) and then answer with the status instead of the response. */
  lostResponse?: boolean;
  /** Send the trailer `grpc-retry-pushback-ms` with the status (gRFC A6). */
  pushbackMs?: number;
  /** For the watch: send this many messages, then end the stream with the status. */
  streamAfter?: number;
}

/** A fault to apply to one call. */
export interface Fault {
  readonly status?: PantryError;
  readonly delayMs: number;
  readonly after: boolean;
  readonly pushbackMs?: string;
  readonly streamAfter: number;
  /** The status message of a stream cut off without a status of its own. */
  readonly message: string;
}

const DEFAULT_MESSAGE = 'injected fault';

/**
 * The faults of a fake: scripts per method, and optionally the `pantry-fault-*` request
 * metadata the Go server reads with fault injection on (`startPantryStack({ faultInjection: true })`),
 * so that a test written against the Go server runs against the fake unchanged.
 *
 * @example
 * const faults = new Faults(true);
 * faults.script('getFood', { code: Code.UNAVAILABLE });
 * faults.take('getFood', metadata)?.status?.code // Code.UNAVAILABLE
 */
export class Faults {
  private readonly scripts = new Map<string, { fault: Fault; left: number }[]>();
  private readonly keyCounts = new Map<string, number>();

  constructor(private readonly fromMetadata: boolean) {}

  /** Queues `script` for the next calls of `method`. */
  script(method: string, script: FaultScript): void {
    const times = script.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0)))
      throw fakeStatus(Code.INVALID_ARGUMENT, `fault(${method}): times must be a positive integer or Infinity`);
    for (const key of ['delayMs', 'pushbackMs', 'streamAfter'] as const) {
      const v = script[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0))
        throw fakeStatus(Code.INVALID_ARGUMENT, `fault(${method}): ${key} must be a non-negative integer, got ${v}`);
    }
    if (script.code !== undefined && codeName(script.code) === 'UNKNOWN' && script.code !== Code.UNKNOWN)
      throw fakeStatus(Code.INVALID_ARGUMENT, `fault(${method}): code ${script.code} is not a gRPC status code`);
    if (script.code === Code.OK)
      throw fakeStatus(Code.INVALID_ARGUMENT, `fault(${method}): code OK is not a failure; leave it out`);
    const failing = script.lostResponse || script.streamAfter !== undefined;
    const code = script.code ?? (failing ? Code.UNAVAILABLE : undefined);
    const fault: Fault = {
      status: code === undefined ? undefined : fakeStatus(code, script.message ?? DEFAULT_MESSAGE, script.details),
      delayMs: script.delayMs ?? 0,
      after: script.lostResponse ?? false,
      pushbackMs: script.pushbackMs === undefined ? undefined : String(script.pushbackMs),
      streamAfter: script.streamAfter ?? -1,
      message: script.message ?? DEFAULT_MESSAGE,
    };
    const queue = this.scripts.get(method) ?? [];
    queue.push({ fault, left: times });
    this.scripts.set(method, queue);
  }

  /** Drops every script. */
  clear(): void {
    this.scripts.clear();
  }

  /**
   * The fault for one call of `method`: the first script queued for it, else what the metadata
   * asks for (when enabled). Unparsable fault metadata throws `INVALID_ARGUMENT` naming the key.
   */
  take(method: string, metadata: Metadata): Fault | undefined {
    const queue = this.scripts.get(method);
    const next = queue?.[0];
    if (next) {
      if (--next.left <= 0) queue!.shift();
      return next.fault;
    }
    return this.fromMetadata ? this.fromRequest(metadata) : undefined;
  }

  /** Reads the `pantry-fault-*` keys as server/internal/fault/spec.go does. */
  private fromRequest(md: Metadata): Fault | undefined {
    const last = (key: string) => {
      const values = md.get(key);
      const v = values.at(-1);
      return v === undefined ? undefined : String(v).trim();
    };
    const bad = (message: string) => fakeStatus(Code.INVALID_ARGUMENT, message);
    const count = (key: string) => {
      const v = last(key);
      if (v === undefined) return undefined;
      if (!/^[+-]?\d+$/.test(v) || Number(v) < 0) throw bad(`${key}: ${goQuote(v)} is not a non-negative integer`);
      return Number(v);
    };
    const bool = (key: string) => {
      const v = last(key);
      if (v === undefined) return false;
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
      throw bad(`${key}: ${goQuote(v)} is not true or false`);
    };
    let code: Code = Code.OK;
    const codeText = last('pantry-fault-code');
    if (codeText !== undefined) code = parseCode(codeText, bad);
    const message = last('pantry-fault-message') ?? DEFAULT_MESSAGE;
    const delayMs = count('pantry-fault-delay-ms') ?? 0;
    const times = count('pantry-fault-times');
    const key = last('pantry-fault-key');
    if (times !== undefined && !key)
      throw bad('pantry-fault-times needs pantry-fault-key: the counter of the first requests is kept per key');
    const after = bool('pantry-fault-after');
    const pushback = count('pantry-fault-pushback-ms');
    const drop = bool('pantry-fault-drop');
    const streamAfter = count('pantry-fault-stream-after') ?? -1;
    if (!(code !== Code.OK || delayMs > 0 || drop || streamAfter >= 0)) return undefined;
    if (times !== undefined) {
      const seen = (this.keyCounts.get(key!) ?? 0) + 1;
      this.keyCounts.set(key!, seen);
      if (seen > times) return undefined;
    }
    if (drop) {
      // Like the Go server without a connection to drop: the fake cannot cut its client's connection.
      const status = fakeStatus(
        Code.UNAVAILABLE,
        'pantry-fault-drop: this server cannot find the connection of the request to drop it',
      );
      return { status, delayMs, after, streamAfter, message };
    }
    const status = code === Code.OK ? undefined : fakeStatus(code, message);
    const pushbackMs = pushback === undefined ? undefined : String(pushback);
    return { status, delayMs, after, pushbackMs, streamAfter, message };
  }
}

function parseCode(v: string, bad: (message: string) => PantryError): Code {
  if (/^[+-]?\d+$/.test(v)) {
    const n = Number(v);
    if (n < 0 || n > Code.UNAUTHENTICATED) throw bad(`pantry-fault-code: ${n} is not a gRPC status code (0 to 16)`);
    return n as Code;
  }
  let name = v.toUpperCase();
  if (name === 'CANCELED') name = 'CANCELLED';
  const code = (Code as unknown as Record<string, number>)[name];
  if (typeof code === 'number') return code as Code;
  throw bad(`pantry-fault-code: ${goQuote(v)} is not a gRPC status code name or number, e.g. UNAVAILABLE or 14`);
}
