import { randomUUID } from 'node:crypto';
import type { ByteHandler } from '../../../fanout/types.ts';
import type { Relay } from './doc-hub.ts';

/**
 * For tests: the fan-out's byte channel between several hubs in one process, each with its own
 * instance id, delivered on a later microtask as the memory fan-out does. `drop` (0..1) loses
 * messages at random, as Redis may when it goes away; `outage()` loses everything until `back()`,
 * which runs the onReconnect callbacks as the Redis fan-out does.
 */
export class TestRelayNetwork {
  private readonly channels = new Map<string, Set<{ id: string; handler: ByteHandler }>>();
  private readonly reconnects: (() => void)[] = [];
  drop = 0;
  random: () => number = Math.random;
  down = false;

  relay(): Relay {
    const instanceId = randomUUID();
    return {
      instanceId,
      publish: (channel, bytes) => {
        if (this.down) return;
        const subs = this.channels.get(channel);
        if (!subs) return;
        const copy = bytes.slice();
        for (const s of subs) {
          if (this.drop > 0 && s.id !== instanceId && this.random() < this.drop) continue;
          queueMicrotask(() => s.handler(copy.slice(), instanceId));
        }
      },
      subscribe: (channel, handler) => {
        let subs = this.channels.get(channel);
        if (!subs) this.channels.set(channel, (subs = new Set()));
        const entry = { id: instanceId, handler };
        subs.add(entry);
        return () => subs.delete(entry);
      },
      onReconnect: (f) => {
        this.reconnects.push(f);
      },
    };
  }

  outage(): void {
    this.down = true;
  }

  back(): void {
    this.down = false;
    for (const f of this.reconnects) f();
  }
}
