import { createAdapter } from '@socket.io/redis-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.ts';
import type { YishiServer } from '../realtime/types.ts';
import type { Fanout, FanoutHealth } from './fanout.ts';
import { RedisConnectionCaps } from './redis-connection-caps.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';

/** How long start-up waits for Redis before serving without it (degraded) and connecting later. */
const STARTUP_WAIT_MS = 3_000;

/** Reconnection backoff, capped low: views must flow again within seconds of Redis returning. */
const retryStrategy = (times: number) => Math.min(times * 100, 1_000);

/**
 * Socket.IO's Redis adapter over ioredis, which re-subscribes by itself after Redis restarts
 * (autoResubscribe). Redis carries broadcasts only (at most once; snapshots heal what is lost), so
 * losing it must cost only cross-instance delivery: nothing here may reject unhandled, start-up
 * does not wait for Redis, and each instance keeps serving its own sockets meanwhile.
 */
export async function attachRedisFanout(io: YishiServer, url: string, log: Logger): Promise<Fanout> {
  // Publishing and rate-limit commands fail at once while Redis is away rather than queueing:
  // a broadcast is worthless late, and the rate limiter then decides locally.
  const pubOptions: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy };
  // The subscriber's only commands are the adapter's (P)SUBSCRIBEs, issued once at start: they
  // must wait for Redis however long it takes (with a rejected SUBSCRIBE nothing would ever be
  // received), and ioredis re-issues them after every reconnection.
  const subOptions: RedisOptions = { enableOfflineQueue: true, maxRetriesPerRequest: null, retryStrategy };
  const pub = new Redis(url, pubOptions);
  const sub = new Redis(url, subOptions);

  let downSince: number | null = Date.now();
  const reconnected = new Set<() => void>();
  let dropped = 0;
  const update = () => {
    const ready = pub.status === 'ready' && sub.status === 'ready';
    if (ready && downSince !== null) {
      log.info('redis fan-out connected', { afterMs: Date.now() - downSince, droppedBroadcasts: dropped });
      downSince = null;
      dropped = 0;
      for (const f of reconnected) f();
    } else if (!ready && downSince === null) {
      downSince = Date.now();
      log.warn('redis fan-out lost: serving this instance\'s sockets only until it returns');
    }
  };
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    // Without an error listener ioredis reports each failed reconnection as an unhandled error.
    client.on('error', (err: Error) => {
      if (downSince === null) log.warn('redis connection error', { client: name, err: err.message });
    });
    client.on('ready', update);
    client.on('close', update);
    client.on('end', update);
  }

  // The adapter publishes without handling a rejection (broadcasts, serverSideEmit, requests and
  // responses between instances); unhandled, one rejected PUBLISH ended the process. A broadcast
  // that cannot be published is dropped, as at-most-once delivery allows.
  const publish = pub.publish.bind(pub) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
  (pub as unknown as { publish: typeof publish }).publish = (channel, message) =>
    publish(channel, message).catch(() => {
      dropped++;
      return 0;
    });

  io.adapter(createAdapter(pub, sub, { key: 'yishi', requestsTimeout: 2_000 }));

  // Start with Redis if it is there; without it, serve (degraded) and connect when it appears.
  const readyAtStart = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), STARTUP_WAIT_MS);
    const check = () => {
      if (downSince === null) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    reconnected.add(check);
    check();
  });
  reconnected.clear();
  if (!readyAtStart) log.warn('redis unavailable at start: serving this instance\'s sockets only; connecting in the background', { url: redactUrl(url) });

  return {
    kind: 'redis',
    // The publishing connection also runs commands (the subscriber cannot).
    limiter: (name, capacity, refill) => new RedisRateLimiter(pub, name, capacity, refill, log),
    health: (): FanoutHealth => (downSince === null ? { state: 'ok' } : { state: 'degraded', reason: 'redis_unavailable', sinceMs: Date.now() - downSince }),
    onReconnect: (f) => {
      reconnected.add(f);
    },
    connectionCaps: () => new RedisConnectionCaps(pub, log),
    close: async () => {
      reconnected.clear();
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** A Redis URL without its password, for the log. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
