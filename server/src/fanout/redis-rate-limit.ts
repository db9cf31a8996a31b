import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { Logger } from '../log.ts';
import { takePoint, type Limit, type SharedLimiter } from '../rate-limit.ts';
import type { RedisClient } from './redis-client.ts';

/** How long a limiter waits for Redis before deciding locally. */
const REDIS_WAIT_MS = 300;

/** The insurance limiter, which says in the log when it is first used (once per Redis outage). */
class LocalInsurance extends RateLimiterMemory {
  constructor(
    opts: IRateLimiterOptions,
    private readonly used: () => void,
  ) {
    super(opts);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.used();
    return super.consume(...args);
  }
}

/**
 * One window per key kept in Redis, so that every instance draws from it: behind a load balancer
 * a client gets the configured rate, not N times it. While Redis is away, not ready, or slower
 * than REDIS_WAIT_MS, each instance limits on its own (the insurance limiter): refusing everyone
 * would be worse. `onReconnect` lets the next outage be logged again.
 */
export function redisLimiter(client: RedisClient, name: string, limit: Limit, log: Logger, onReconnect: (f: () => void) => void): SharedLimiter {
  let warned = false;
  onReconnect(() => {
    warned = false;
  });
  const insurance = new LocalInsurance({ points: limit.points, duration: limit.perSeconds }, () => {
    if (!warned) log.warn('shared rate limit unavailable, limiting locally', { limiter: name });
    warned = true;
  });
  const limiter = new RLWrapperTimeouts({
    limiter: new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      // Fail over at once while the connection is down rather than wait for REDIS_WAIT_MS.
      rejectIfRedisNotReady: true,
      keyPrefix: `yishi:rate:${name}`,
      points: limit.points,
      duration: limit.perSeconds,
      insuranceLimiter: insurance,
    }),
    timeoutMs: REDIS_WAIT_MS,
  });
  return { take: (key) => takePoint(limiter, key) };
}
