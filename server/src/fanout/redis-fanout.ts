import { randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from '../log.ts';
import type { YishiServer } from '../realtime/types.ts';
import { openEnvelope, sealEnvelope } from './byte-envelope.ts';
import { redisClients } from './redis-client.ts';
import { RedisConnectionCaps } from './redis-connection-caps.ts';
import { redisLimiter } from './redis-rate-limit.ts';
import type { Fanout, FanoutHealth } from './types.ts';

/** How long start-up waits for Redis before serving without it (degraded) and connecting later. */
const STARTUP_WAIT_MS = 3_000;

/** Byte-channel names live under this prefix, apart from the adapter's `yishi#…` channels. */
const byteChannel = (channel: string) => `yishi:bytes:${channel}`;

/**
 * Socket.IO's Redis adapter and the byte channel over node-redis (redis-client.ts). Redis carries
 * broadcasts only (at most once; snapshots heal what is lost), so losing it must cost only
 * cross-instance delivery: start-up does not wait for Redis, and each instance keeps serving its
 * own sockets meanwhile.
 */
export async function attachRedisFanout(io: YishiServer, url: string, log: Logger): Promise<Fanout> {
  const instanceId = randomUUID();
  const { pub, sub, droppedPublishes } = redisClients(url, log);

  let downSince: number | null = Date.now();
  let droppedAtLoss = 0;
  const reconnected = new Set<() => void>();
  let closing = false;
  const update = () => {
    if (closing) return;
    const ready = pub.isReady && sub.isReady;
    if (ready && downSince !== null) {
      log.info('redis fan-out connected', { afterMs: Date.now() - downSince, droppedBroadcasts: droppedPublishes() - droppedAtLoss });
      downSince = null;
      // node-redis re-issues its subscriptions before it says 'ready': this instance receives again.
      for (const f of reconnected) f();
    } else if (!ready && downSince === null) {
      downSince = Date.now();
      droppedAtLoss = droppedPublishes();
      log.warn("redis fan-out lost: serving this instance's sockets only until it returns");
    }
  };
  for (const client of [pub, sub]) for (const event of ['ready', 'error', 'reconnecting', 'end']) client.on(event, update);

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
  if (!readyAtStart)
    log.warn("redis unavailable at start: serving this instance's sockets only; connecting in the background", { url: redactUrl(url) });

  const onReconnect = (f: () => void) => {
    reconnected.add(f);
  };
  return {
    instanceId,
    relaysToOtherInstances: true,
    publish(channel, bytes) {
      // The client's publish is wrapped (redis-client.ts): while Redis is away this is dropped.
      void pub.publish(byteChannel(channel), sealEnvelope(instanceId, bytes));
    },
    subscribe(channel, handler) {
      let active = true;
      const listener = (message: Buffer) => {
        const m = active ? openEnvelope(message) : null;
        if (m) handler(m.bytes, m.origin);
      };
      // Resolves once Redis has confirmed it (or it has failed and will be issued again).
      const subscribed = sub.subscribe(byteChannel(channel), listener, true);
      return () => {
        if (!active) return;
        // Silent at once; the UNSUBSCRIBE waits for the SUBSCRIBE, which node-redis would
        // otherwise register after an unsubscribe that found nothing to remove.
        active = false;
        void subscribed.finally(() => sub.unsubscribe(byteChannel(channel), listener, true));
      };
    },
    // The publishing connection also runs commands (the subscriber cannot).
    limiter: (name, limit) => redisLimiter(pub, name, limit, log, onReconnect),
    connectionCaps: () => new RedisConnectionCaps(pub, log),
    health: (): FanoutHealth =>
      downSince === null
        ? { fanout: 'redis', status: 'ok' }
        : { fanout: 'redis', status: 'degraded', reason: 'redis_unavailable', degradedForMs: Date.now() - downSince },
    onReconnect,
    close: async () => {
      closing = true;
      reconnected.clear();
      pub.destroy();
      sub.destroy();
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
