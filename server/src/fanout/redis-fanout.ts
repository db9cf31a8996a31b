import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { YishiServer } from '../realtime/types.ts';
import type { Fanout } from './fanout.ts';
import { RedisConnectionCaps } from './redis-connection-caps.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';

/**
 * Socket.IO's Redis adapter over ioredis, which re-subscribes by itself after Redis restarts
 * (autoResubscribe), unlike some node-redis versions. Commands issued while Redis is away are
 * not queued forever: fan-out is at-most-once and snapshots heal what is lost.
 */
export async function attachRedisFanout(io: YishiServer, url: string, log: Logger): Promise<Fanout> {
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  let down = false;
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    client.on('error', (err: Error) => {
      if (!down) log.warn('redis connection lost', { client: name, err: err.message });
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info('redis connection back', { client: name });
      down = false;
    });
  }
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: 'yishi', requestsTimeout: 2_000 }));
  return {
    kind: 'redis',
    // The publishing connection also runs commands (the subscriber cannot).
    limiter: (name, capacity, refill) => new RedisRateLimiter(pub, name, capacity, refill, log),
    connectionCaps: () => new RedisConnectionCaps(pub, log),
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
