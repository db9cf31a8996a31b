/** A rate limit every instance shares (Redis when there is one, see fanout/redis-rate-limit.ts). */
export interface SharedLimiter {
  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): Promise<boolean>;
}

/** The embedded default has one instance: its memory is the shared place. */
export function memoryLimiter(capacity: number, refillPerSecond: number): SharedLimiter {
  const bucket = new RateLimiter(capacity, refillPerSecond);
  return { take: async (key) => bucket.take(key) };
}

/**
 * Token buckets keyed by a string (a client address, a socket id), in this instance's memory.
 * Used as is for per-socket limits (a socket lives on one instance), and behind SharedLimiter.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
  ) {}

  /** Takes one token; false when the bucket is empty. */
  take(key: string, now = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refillPerSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 50_000) this.prune(now);
    return true;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  private prune(now: number): void {
    const fullAfterMs = (this.capacity / this.refillPerSecond) * 1000;
    for (const [k, b] of this.buckets) if (now - b.at > fullAfterMs) this.buckets.delete(k);
  }
}
