import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * A limit: at most `points` actions per key in a window of `perSeconds` seconds that opens at the
 * key's first action (rate-limiter-flexible's fixed window). Whole seconds: Redis expiries are.
 * For limits people read as "N a minute": sign-ins, joins, password guesses.
 */
export interface Limit {
  points: number;
  perSeconds: number;
}

/**
 * A steady limit for machine-speed traffic (socket events, handshakes): `perSecond` actions per key
 * each second, plus `burst - perSecond` more once per BURST_REFILL_SECONDS. A fixed window of
 * `burst` per `burst / perSecond` seconds would have the same average, but would let a flood in as
 * a burst at the start of every window; this, like a token bucket, lets the burst in once and then
 * only the rate.
 */
export interface SteadyLimit {
  perSecond: number;
  burst: number;
}

const BURST_REFILL_SECONDS = 60;

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

/** A fixed-window limit in this instance's memory (the embedded default's shared limits). */
export function localLimiter(limit: Limit): LocalLimiter {
  const limiter = new RateLimiterMemory({ points: limit.points, duration: limit.perSeconds });
  return {
    take: (key) => takePoint(limiter, key),
    forget: (key) => void limiter.delete(key),
  };
}

/** A steady limit (see SteadyLimit) in this instance's memory. */
export function steadyLimiter(limit: SteadyLimit): LocalLimiter {
  const rate = new RateLimiterMemory({ points: Math.ceil(limit.perSecond), duration: 1 });
  const extra = new RateLimiterMemory({ points: Math.max(1, Math.ceil(limit.burst - limit.perSecond)), duration: BURST_REFILL_SECONDS });
  const limiter = new BurstyRateLimiter(rate, extra);
  return {
    take: (key) => takePoint(limiter, key),
    forget: (key) => {
      void rate.delete(key);
      void extra.delete(key);
    },
  };
}

/**
 * One point from a rate-limiter-flexible limiter. It rejects with a RateLimiterRes when the
 * window is used up; any other rejection is a store failure, which callers avoid by giving a
 * store-backed limiter an insurance limiter (fanout/redis-rate-limit.ts).
 */
export async function takePoint(limiter: { consume(key: string): Promise<unknown> }, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (err) {
    if (err instanceof RateLimiterRes) return false;
    throw err;
  }
}
