import { LocalConnectionCaps, type ConnectionCaps } from '../connection-caps.ts';
import type { Logger } from '../log.ts';
import { memoryLimiter, type SharedLimiter } from '../rate-limit.ts';
import type { YishiServer } from '../realtime/types.ts';

/**
 * How live messages reach sockets on other instances. Delivery is at-most-once: every live
 * view is a refetchable snapshot, so a lost message heals on the next one.
 */
export interface Fanout {
  kind: 'memory' | 'redis';
  /** A rate limit shared by every instance that shares this fan-out. */
  limiter(name: string, capacity: number, refillPerSecond: number): SharedLimiter;
  /** Whether broadcasts reach the other instances now; /healthz reports it. */
  health(): FanoutHealth;
  /** Runs after the connection to the other instances returns from an outage. */
  onReconnect(f: () => void): void;
  /** Live connections per key (session, address), counted by every instance together. */
  connectionCaps(): ConnectionCaps;
  close(): Promise<void>;
}

export type FanoutHealth = { state: 'ok' } | { state: 'degraded'; reason: 'redis_unavailable'; sinceMs: number };

/** One place chooses the implementation: Redis when REDIS_URL is set, else Socket.IO's in-memory adapter. */
export async function attachFanout(io: YishiServer, redisUrl: string | undefined, log: Logger): Promise<Fanout> {
  if (!redisUrl) {
    return {
      kind: 'memory',
      limiter: (_name, capacity, refill) => memoryLimiter(capacity, refill),
      health: () => ({ state: 'ok' }),
      onReconnect: () => {},
      connectionCaps: () => new LocalConnectionCaps(),
      close: async () => {},
    };
  }
  const { attachRedisFanout } = await import('./redis-fanout.ts');
  return attachRedisFanout(io, redisUrl, log);
}
