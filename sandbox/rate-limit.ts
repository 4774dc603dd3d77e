// The providers' rate limits. Hetzner: a token bucket (3,600 requests, refilling one a second)
// reported in RateLimit-* headers. Cloudflare: a fixed window (1,200 per 5 minutes), 429 + retry-after.

export interface BucketState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds at which the bucket is full again. */
  resetEpochSec: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limit;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.limit, this.tokens + ((t - this.last) / 1000) * this.refillPerSecond);
    this.last = t;
  }

  private state(allowed: boolean): BucketState {
    const missing = this.limit - this.tokens;
    const secondsToFull = this.refillPerSecond > 0 ? missing / this.refillPerSecond : 0;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, Math.floor(this.tokens)),
      resetEpochSec: Math.ceil(this.now() / 1000 + secondsToFull),
    };
  }

  take(): BucketState {
    this.refill();
    if (this.tokens < 1) return this.state(false);
    this.tokens -= 1;
    return this.state(true);
  }

  /** The current state as an exhausted bucket would report it (for injected 429 storms). */
  exhausted(): BucketState {
    this.refill();
    const s = this.state(false);
    return { ...s, remaining: 0, resetEpochSec: Math.max(s.resetEpochSec, Math.ceil(this.now() / 1000) + 1) };
  }

  reset(): void {
    this.tokens = this.limit;
    this.last = this.now();
  }
}

export interface WindowState {
  allowed: boolean;
  limit: number;
  remaining: number;
  retryAfterSec: number;
}

export class FixedWindow {
  private start: number;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  take(): WindowState {
    const t = this.now();
    if (t - this.start >= this.windowSeconds * 1000) {
      this.start = t;
      this.count = 0;
    }
    const retryAfterSec = Math.max(1, Math.ceil((this.start + this.windowSeconds * 1000 - t) / 1000));
    if (this.count >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, retryAfterSec };
    this.count++;
    return { allowed: true, limit: this.limit, remaining: this.limit - this.count, retryAfterSec };
  }

  reset(): void {
    this.start = this.now();
    this.count = 0;
  }
}
