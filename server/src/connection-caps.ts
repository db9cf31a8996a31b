/** One cap on live connections: at most `cap` sockets registered under `key` at once. */
export interface Cap {
  key: string;
  cap: number;
}

/**
 * Counts live connections (websockets) per key, shared by every instance that shares it (Redis
 * when there is one, see fanout/redis-connection-caps.ts), so that one session or one address
 * cannot hold more than its cap however the load balancer spreads its sockets.
 */
export interface ConnectionCaps {
  /** Registers socket `id` under every key, unless one is full: then nothing is registered and that key is returned. */
  acquire(id: string, caps: readonly Cap[]): Promise<string | null>;
  /** The socket is gone: frees its place under every key it holds. */
  release(id: string): void;
  close(): void;
}

/** The embedded default (and the fallback while Redis is away): this instance's own count. */
export class LocalConnectionCaps implements ConnectionCaps {
  private readonly byKey = new Map<string, Set<string>>();
  private readonly held = new Map<string, readonly string[]>();

  async acquire(id: string, caps: readonly Cap[]): Promise<string | null> {
    return this.acquireNow(id, caps);
  }

  acquireNow(id: string, caps: readonly Cap[]): string | null {
    for (const { key, cap } of caps) if ((this.byKey.get(key)?.size ?? 0) >= cap) return key;
    for (const { key } of caps) {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(id);
    }
    this.held.set(
      id,
      caps.map((c) => c.key),
    );
    return null;
  }

  holds(id: string): boolean {
    return this.held.has(id);
  }

  release(id: string): void {
    const keys = this.held.get(id);
    if (!keys) return;
    this.held.delete(id);
    for (const key of keys) {
      const set = this.byKey.get(key);
      set?.delete(id);
      if (set?.size === 0) this.byKey.delete(key);
    }
  }

  close(): void {}
}
