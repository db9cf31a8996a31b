import { randomUUID } from 'node:crypto';
import { LocalConnectionCaps, type Cap, type ConnectionCaps } from '../connection-caps.ts';
import type { Logger } from '../log.ts';
import type { RedisClient } from './redis-client.ts';

/**
 * Each key is a sorted set of `<instance>:<socket>` scored by when its lease ends (Redis's own
 * clock). An instance renews its sockets' leases every RENEW_MS; an instance that dies stops
 * renewing and its places free themselves within LEASE_MS, so a crash cannot lock a session out.
 */
const LEASE_MS = 60_000;
const RENEW_MS = 20_000;
/**
 * How long acquiring waits for a connected Redis before counting locally. Long, because the wait
 * includes this instance's own event loop: under a flood of handshakes a short wait would time
 * out with Redis healthy, and each instance would admit a whole cap of its own. A Redis known to
 * be away (not 'ready') is not waited for at all.
 */
const REDIS_WAIT_MS = 3_000;

/** KEYS: the keys. ARGV: lease ms, member, then one cap per key. Returns 0, or the index of the full key. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local member = ARGV[2]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, member)
  redis.call('PEXPIRE', key, lease)
end
return 0
`;

/** KEYS: keys; ARGV: lease ms, then one member per key. Extends leases still held. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease)
end
return 0
`;

const redisKey = (key: string) => `yishi:conn:${key}`;

export class RedisConnectionCaps implements ConnectionCaps {
  private readonly instance = randomUUID();
  /** Sockets counted in Redis, with their keys (to renew and release). */
  private readonly held = new Map<string, readonly string[]>();
  /** While Redis is away each instance counts on its own: refusing everyone would be worse. */
  private readonly local = new LocalConnectionCaps();
  private readonly timer: NodeJS.Timeout;
  private warned = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  async acquire(id: string, caps: readonly Cap[]): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.redis.isReady) throw new Error('redis is not connected');
      const member = `${this.instance}:${id}`;
      const answer = await Promise.race([
        this.redis.eval(ACQUIRE, {
          keys: caps.map((c) => redisKey(c.key)),
          arguments: [String(LEASE_MS), member, ...caps.map((c) => String(c.cap))],
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis did not answer in time')), REDIS_WAIT_MS);
        }),
      ]);
      this.warned = false;
      const full = Number(answer);
      if (full > 0) return caps[full - 1]!.key;
      this.held.set(
        id,
        caps.map((c) => c.key),
      );
      return null;
    } catch (err) {
      if (!this.warned) this.log.warn('shared connection count unavailable, counting locally', { err: (err as Error).message });
      this.warned = true;
      return this.local.acquireNow(id, caps);
    } finally {
      clearTimeout(timer);
    }
  }

  release(id: string): void {
    if (this.local.holds(id)) return this.local.release(id);
    const keys = this.held.get(id);
    if (!keys) return;
    this.held.delete(id);
    const member = `${this.instance}:${id}`;
    // Unreachable Redis: the lease runs out by itself.
    for (const key of keys) this.redis.zRem(redisKey(key), member).catch(() => {});
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    const pairs: [string, string][] = [];
    for (const [id, keys] of this.held) for (const key of keys) pairs.push([redisKey(key), `${this.instance}:${id}`]);
    for (let i = 0; i < pairs.length; i += 500) {
      const part = pairs.slice(i, i + 500);
      await this.redis
        .eval(RENEW, { keys: part.map((p) => p[0]), arguments: [String(LEASE_MS), ...part.map((p) => p[1])] })
        .catch((err: Error) => this.log.warn('connection leases not renewed', { err: err.message }));
    }
  }
}
