import type { ConnectionCaps } from '../connection-caps.ts';
import type { Limit, SharedLimiter } from '../rate-limit.ts';

/**
 * How live messages reach sockets on other instances: Socket.IO's adapter for events, and a byte
 * channel for payloads that are not Socket.IO events (Yjs updates). Delivery is at-most-once:
 * every live view is a refetchable snapshot, so a lost message heals on the next one.
 *
 * Callers use capabilities, never which implementation runs (memory-fanout.ts, redis-fanout.ts).
 */
export interface Fanout {
  /** This instance's id: the origin of every byte-channel message it publishes. */
  readonly instanceId: string;
  /**
   * Whether other instances may be listening: then work that must reach every instance (a view,
   * a secret-ballot handover) is relayed with io.serverSideEmit, which the memory adapter lacks.
   */
  readonly relaysToOtherInstances: boolean;
  /**
   * Sends `bytes` to every subscriber of `channel` on every instance, this one included, tagged
   * with this instance's id. Never throws; dropped while the fan-out is away (at-most-once).
   */
  publish(channel: string, bytes: Uint8Array): void;
  /**
   * Receives what any instance publishes on `channel`; `origin` is the publisher's instanceId, so
   * a subscriber can ignore its own messages. Returns a function that ends the subscription.
   */
  subscribe(channel: string, handler: ByteHandler): () => void;
  /** A rate limit shared by every instance that shares this fan-out. */
  limiter(name: string, limit: Limit): SharedLimiter;
  /** Live connections per key (session, address), counted by every instance together. */
  connectionCaps(): ConnectionCaps;
  /** What /healthz says about the fan-out. */
  health(): FanoutHealth;
  /**
   * Runs after the connection to the other instances returns from an outage, once this instance
   * both publishes and receives again: broadcasts made meanwhile were lost, and may be re-sent.
   */
  onReconnect(f: () => void): void;
  close(): Promise<void>;
}

export type ByteHandler = (bytes: Uint8Array, origin: string) => void;

/** `fanout` names the implementation for operators reading /healthz; code must not branch on it. */
export type FanoutHealth =
  { fanout: 'memory' | 'redis'; status: 'ok' } | { fanout: 'redis'; status: 'degraded'; reason: 'redis_unavailable'; degradedForMs: number };
