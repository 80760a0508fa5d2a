/**
 * Retry throttling per client, as in gRFC A6: every failed attempt with a retryable code takes
 * a token, every success gives back `tokenRatio`, and retries are allowed only while more than
 * half the tokens remain — so a dead server sees about one attempt per call, not a storm.
 *
 * @example
 * const throttle = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.1 });
 * if (throttle.allowsRetry()) … ; throttle.onFailure(); throttle.onSuccess();
 */
export class RetryThrottle {
  private tokens: number;
  readonly maxTokens: number;
  readonly tokenRatio: number;

  constructor({ maxTokens = 10, tokenRatio = 0.1 }: { maxTokens?: number; tokenRatio?: number } = {}) {
    if (!(maxTokens > 0 && maxTokens <= 1000))
      throw new RangeError(`retryThrottle.maxTokens must be in (0, 1000], got ${maxTokens}`);
    if (!(tokenRatio > 0 && tokenRatio <= 1))
      throw new RangeError(`retryThrottle.tokenRatio must be in (0, 1], got ${tokenRatio}`);
    this.maxTokens = maxTokens;
    this.tokenRatio = tokenRatio;
    this.tokens = maxTokens;
  }

  /** Tokens left now. */
  get available(): number {
    return this.tokens;
  }

  /** True when no failure is waiting to be paid back. */
  get full(): boolean {
    return this.tokens >= this.maxTokens;
  }

  /** True while more than half the tokens remain. */
  allowsRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }

  /** A successful attempt. */
  onSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  /** A failed attempt with a retryable code. */
  onFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }
}
