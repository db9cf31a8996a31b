import { RateLimiterMemory, RateLimiterRes, type RateLimiterLike } from 'rate-limiter-flexible';

/**
 * A limit: at most `points` actions per key in a window of `perSeconds` seconds that opens at the
 * key's first action (rate-limiter-flexible's fixed window). Whole seconds: Redis expiries are.
 */
export interface Limit {
  points: number;
  perSeconds: number;
}

/** A rate limit every instance shares (Redis when there is one, see fanout/redis-rate-limit.ts). */
export interface SharedLimiter {
  /** Takes one point for `key`; false when its window is used up. */
  take(key: string): Promise<boolean>;
}

/** A limit counted in this instance's memory: per socket (a socket lives on one instance), per handshake. */
export interface LocalLimiter extends SharedLimiter {
  /** The key is gone for good (a closed socket): its count need not wait for its window to end. */
  forget(key: string): void;
}

export function localLimiter(limit: Limit): LocalLimiter {
  const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.perSeconds });
  return {
    take: (key) => takePoint(limiter, key),
    forget: (key) => void limiter.delete(key),
  };
}

/**
 * One point from a rate-limiter-flexible limiter. It rejects with a RateLimiterRes when the
 * window is used up; any other rejection is a store failure, which callers avoid by giving a
 * store-backed limiter an insurance limiter (fanout/redis-rate-limit.ts).
 */
export async function takePoint(limiter: RateLimiterLike, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
