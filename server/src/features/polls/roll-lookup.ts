import type { PollId } from '@yishi/protocol';
import type { PollStore } from './store.ts';

/** Most voter keys asked in one query; a bigger burst takes several. */
const MAX_KEYS = 1_000;

interface Ask {
  voterKey: string;
  resolve: (idem: string | null) => void;
  reject: (err: unknown) => void;
}

/**
 * "Is this voter on the roll, and under which key?" for every secret ballot before it is held,
 * gathered: the asks that arrive while one query runs (or in the same turn of the event loop)
 * go out together in the next, one query per poll. Five thousand ballots in a second were five
 * thousand queries, each a turn of the embedded database on the event loop, queued in front of
 * the seals; now they are a handful. A read, never cached: each answer comes from a query
 * started after the ask.
 */
export class RollLookup {
  private readonly queue = new Map<PollId, Ask[]>();
  private running = false;

  constructor(private readonly polls: PollStore) {}

  rollKey(pollId: PollId, voterKey: string): Promise<string | null> {
    return new Promise((resolve, reject) => {
      let asks = this.queue.get(pollId);
      if (!asks) this.queue.set(pollId, (asks = []));
      asks.push({ voterKey, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let the ballots already in flight on the event loop join this query.
      await new Promise((r) => setImmediate(r));
      while (this.queue.size > 0) {
        const [pollId, all] = this.queue.entries().next().value as [PollId, Ask[]];
        const asks = all.splice(0, MAX_KEYS);
        if (all.length === 0) this.queue.delete(pollId);
        try {
          const keys = await this.polls.rollKeys(pollId, [...new Set(asks.map((a) => a.voterKey))]);
          for (const a of asks) a.resolve(keys.get(a.voterKey) ?? null);
        } catch (err) {
          for (const a of asks) a.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
