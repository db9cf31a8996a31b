import type { PendingUpdate, YjsStore } from './store.ts';

/** Most updates in one transaction; a bigger burst waits for the next. */
const MAX_BATCH = 500;

interface Queued {
  item: PendingUpdate;
  /** Checked just before the batch is written: an update whose sender's earlier one failed is not written. */
  cancelled: () => boolean;
  resolve: (seq: number | null) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for Yjs updates, like the ballot writer: every update that arrives while a
 * transaction runs goes into the next one, so 20 people typing cost a few transactions a second,
 * not a hundred. A caller's promise resolves with the update's sequence number once it is
 * committed (null if it was cancelled before being written); only then is it relayed.
 */
export class UpdateWriter {
  private queue: Queued[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly store: YjsStore) {}

  submit(item: PendingUpdate, cancelled: () => boolean = () => false): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, cancelled, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Let the updates already in flight on the event loop join this batch.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const taken = this.queue.splice(0, MAX_BATCH);
        const batch: Queued[] = [];
        for (const q of taken) {
          if (q.cancelled()) q.resolve(null);
          else batch.push(q);
        }
        if (batch.length === 0) continue;
        try {
          const seqs = await this.store.append(batch.map((q) => q.item));
          batch.forEach((q, i) => q.resolve(seqs[i]!));
        } catch (err) {
          // Nothing of this batch was stored.
          for (const q of batch) q.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
