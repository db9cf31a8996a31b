import { createClient } from 'redis';
import type { Logger } from '../log.ts';

export type RedisClient = ReturnType<typeof createClient>;

/** Reconnection backoff, capped low: views must flow again within seconds of Redis returning. */
const reconnectStrategy = (retries: number) => Math.min((retries + 1) * 100, 1_000);

/** How long a failed SUBSCRIBE waits before it is tried again while the client stays connected. */
const RESUBSCRIBE_RETRY_MS = 1_000;

/**
 * The two node-redis connections of one instance. Losing Redis must cost only cross-instance
 * delivery, so neither may reject unhandled (callers such as the Socket.IO adapter do not catch)
 * nor wait for Redis to start.
 *
 * - `pub` publishes and runs commands (rate limits, connection caps). With no offline queue it
 *   fails at once while Redis is away: a broadcast is worthless late, and the limits then decide
 *   locally. A publish that fails is dropped and counted (at-most-once delivery allows it).
 * - `sub` only (un)subscribes, over RESP3 (see there). Its commands wait for Redis however long it takes; node-redis
 *   re-issues the subscriptions it holds on every reconnection, before it says 'ready'. But it
 *   holds a subscription only once Redis has confirmed it: a SUBSCRIBE in flight when the
 *   connection broke is forgotten (the kind of resubscription bug node-redis has had), so a
 *   rejected one is issued again here once the client is back.
 */
export function redisClients(url: string, log: Logger): { pub: RedisClient; sub: RedisClient; droppedPublishes(): number } {
  const pub = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy } });
  // RESP3: messages arrive as push frames. Over RESP2, node-redis 5 switches its reply parser into
  // pub/sub mode when a SUBSCRIBE is queued, and a failed connection attempt switches it back: a
  // subscriber that started while Redis was down then never received anything (Redis 6+ speaks RESP3).
  const sub = createClient({ url, RESP: 3, socket: { reconnectStrategy } });
  let dropped = 0;

  const publish = pub.publish.bind(pub);
  (pub as unknown as { publish: typeof publish }).publish = ((channel, message) =>
    publish(channel, message).catch(() => {
      dropped++;
      return 0;
    })) as typeof publish;

  type SubscribeLike = (channels: unknown, listener: unknown, bufferMode?: boolean) => Promise<unknown>;
  const methods = sub as unknown as Record<'subscribe' | 'pSubscribe' | 'unsubscribe' | 'pUnsubscribe', SubscribeLike>;
  for (const name of ['subscribe', 'pSubscribe'] as const) {
    const original = methods[name].bind(sub);
    methods[name] = (channels, listener, bufferMode) => {
      const attempt = (): Promise<unknown> =>
        original(channels, listener, bufferMode).catch((err: Error) => {
          if (!sub.isOpen) return; // closing
          log.warn('redis subscription failed; issuing it again', { err: err.message });
          if (sub.isReady) setTimeout(() => void attempt(), RESUBSCRIBE_RETRY_MS).unref();
          else sub.once('ready', () => void attempt());
        });
      return attempt();
    };
  }
  for (const name of ['unsubscribe', 'pUnsubscribe'] as const) {
    const original = methods[name].bind(sub);
    // Unsubscribing on close may find the connection gone: nothing left to undo.
    methods[name] = (channels, listener, bufferMode) => original(channels, listener, bufferMode).catch(() => undefined);
  }

  // Without an error listener node-redis reports each failed reconnection as an unhandled error.
  let quiet = false;
  for (const [name, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    client.on('error', (err: Error) => {
      if (!quiet) log.warn('redis connection error', { client: name, err: err.message });
      quiet = true;
    });
    client.on('ready', () => {
      quiet = false;
    });
    // connect() retries until Redis answers (reconnectStrategy never gives up); it rejects only
    // when the client is closed first.
    client.connect().catch(() => undefined);
  }
  return { pub, sub, droppedPublishes: () => dropped };
}
