import { Code } from '../../errors/code.js';
import type { PantryError } from '../../errors/pantry-error.js';
import { ErrorInfo, PreconditionFailure } from '../../generated/google/rpc/error_details.js';
import type { Food } from '../../generated/pantry/v1/food.js';
import { goQuote } from './go-format.js';
import { detail, fakeStatus } from './status.js';

/** Keys are remembered this long and at most this many per method, as by the Go server. */
const KEY_TTL_MS = 3_600_000;
const MAX_KEYS = 100_000;

/** How a write carrying a request_id was handled: the `pantry-replayed` and `pantry-attempt` headers. */
export interface Outcome {
  /** The request_id was applied before; the earlier result is returned. */
  readonly replayed: boolean;
  /** Requests seen with this request_id, this one included; 0 without a request_id. */
  readonly attempt: number;
}

/** What is remembered about one request_id. */
interface Replay {
  readonly firstSeen: number;
  attempts: number;
  applied: boolean;
  fingerprint: string;
  food?: Food;
}

/**
 * The request_ids of one write method (add, consume or delete), applied at most once each and
 * bound to the request they were first applied with (its fingerprint: every field but the
 * request_id), as server/internal/store/idempotency.go keeps them.
 *
 * @example
 * const keys = new RequestIds('consume');
 * const seen = keys.lookup(req.requestId, [req.id, req.quantity], Date.now());
 * if (seen.outcome.replayed) return seen.food;
 */
export class RequestIds {
  private readonly keys = new Map<string, Replay>();

  constructor(private readonly op: 'add' | 'consume' | 'delete') {}

  /**
   * Counts an attempt of `requestId` and returns its record (`undefined` for an empty id). A
   * request_id applied before with another fingerprint throws `FAILED_PRECONDITION` with the
   * ErrorInfo `REQUEST_ID_REUSED`, and is not counted.
   */
  lookup(requestId: string, inputs: readonly unknown[], nowMs: number): { replay?: Replay; outcome: Outcome } {
    if (requestId === '') return { outcome: { replayed: false, attempt: 0 } };
    this.expire(nowMs);
    let r = this.keys.get(requestId);
    if (r === undefined) {
      r = { firstSeen: nowMs, attempts: 0, applied: false, fingerprint: '' };
      this.keys.set(requestId, r);
      if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    }
    const fingerprint = JSON.stringify([this.op, ...inputs]);
    if (r.applied && r.fingerprint !== fingerprint) throw this.reused(requestId);
    r.attempts++;
    return { replay: r, outcome: { replayed: r.applied, attempt: r.attempts } };
  }

  /** Records the first successful application of the request with these inputs. */
  remember(replay: Replay | undefined, inputs: readonly unknown[], food: Food): void {
    if (!replay) return;
    replay.applied = true;
    replay.fingerprint = JSON.stringify([this.op, ...inputs]);
    replay.food = food;
  }

  private expire(nowMs: number): void {
    for (const [key, r] of this.keys) {
      if (nowMs - r.firstSeen < KEY_TTL_MS) break; // insertion order is age order
      this.keys.delete(key);
    }
  }

  private reused(requestId: string): PantryError {
    return fakeStatus(
      Code.FAILED_PRECONDITION,
      `request_id ${goQuote(requestId)} was already used for a different ${this.op} request; ` +
        'a request_id may only be repeated with the same request',
      [
        detail(ErrorInfo, { reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: { request_id: requestId } }),
        detail(PreconditionFailure, {
          violations: [
            {
              type: 'REQUEST_ID',
              subject: requestId,
              description: 'use a new request_id for a new request; a retry repeats the same request',
            },
          ],
        }),
      ],
    );
  }
}
