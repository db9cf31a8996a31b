import type { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import { RateLimiter, type SharedLimiter } from '../rate-limit.ts';

/**
 * The same token bucket as RateLimiter, kept in Redis so that every instance draws from one
 * bucket per key: behind a load balancer a client gets the configured rate, not N times it.
 * Redis's own clock (TIME) refills it, so instances' clocks need not agree.
 */
const TAKE = `
local cap = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or cap
local at = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - at) * perMs)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / perMs) + 1000)
return ok
`;

/** How long a limiter waits for Redis before deciding locally. */
const REDIS_WAIT_MS = 300;

export class RedisRateLimiter implements SharedLimiter {
  /** While Redis is away, each instance limits on its own: refusing everyone would be worse. */
  private readonly local: RateLimiter;
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly name: string,
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly log: Logger,
  ) {
    this.local = new RateLimiter(capacity, refillPerSecond);
  }

  async take(key: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.eval(TAKE, 1, `yishi:rate:${this.name}:${key}`, this.capacity, this.refillPerSecond / 1000),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis did not answer in time')), REDIS_WAIT_MS);
        }),
      ]);
      this.warned = false;
      return answer === 1;
    } catch (err) {
      if (!this.warned) this.log.warn('shared rate limit unavailable, limiting locally', { limiter: this.name, err: (err as Error).message });
      this.warned = true;
      return this.local.take(key);
    } finally {
      clearTimeout(timer);
    }
  }
}
