import { randomUUID } from 'node:crypto';
import { LocalConnectionCaps } from '../connection-caps.ts';
import { localLimiter } from '../rate-limit.ts';
import type { ByteHandler, Fanout } from './types.ts';

/**
 * The embedded default: one instance, Socket.IO's in-memory adapter. Its memory is the shared
 * place for limits and connection counts, and its byte channel stays in the process.
 */
export function memoryFanout(): Fanout {
  const instanceId = randomUUID();
  const channels = new Map<string, Set<ByteHandler>>();
  return {
    instanceId,
    relaysToOtherInstances: false,
    publish(channel, bytes) {
      const handlers = channels.get(channel);
      if (!handlers) return;
      // Delivered later, as Redis would: a publisher must not depend on its handlers having run,
      // and may reuse its buffer once publish returns, so each subscriber gets a copy.
      const copy = bytes.slice();
      queueMicrotask(() => {
        for (const h of handlers) h(copy.slice(), instanceId);
      });
    },
    subscribe(channel, handler) {
      let handlers = channels.get(channel);
      if (!handlers) channels.set(channel, (handlers = new Set()));
      // Wrapped so that subscribing one function twice makes two independent subscriptions.
      const own: ByteHandler = (bytes, origin) => handler(bytes, origin);
      handlers.add(own);
      return () => {
        handlers.delete(own);
        if (handlers.size === 0 && channels.get(channel) === handlers) channels.delete(channel);
      };
    },
    limiter: (_name, limit) => localLimiter(limit),
    connectionCaps: () => new LocalConnectionCaps(),
    health: () => ({ fanout: 'memory', status: 'ok' }),
    onReconnect: () => {},
    close: async () => {
      channels.clear();
    },
  };
}
