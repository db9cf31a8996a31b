import { GroupCommit, stored, type Settled } from '../../../core/group-commit.ts';
import type { PendingUpdate, YjsStore } from './store.ts';

/** Most updates in one transaction; a bigger burst waits for the next. */
const MAX_BATCH = 500;

interface Queued {
  item: PendingUpdate;
  /** Who sent it (a connection), or null for the server's own changes. */
  sender: object | null;
}

/**
 * Group commit for Yjs updates (core/group-commit.ts, as for ballots): every update that arrives
 * while a transaction runs goes into the next one, so 20 people typing cost a few transactions a
 * second, not a hundred. A caller's promise resolves with the update's sequence number once it
 * is committed (null if it was not written, see `refused`); only then is it relayed.
 */
export class UpdateWriter {
  private readonly commit: GroupCommit<Queued, number | null>;
  /**
   * Senders one of whose updates could not be stored: their later updates are not written, since
   * they build on one the database does not have (the sender is closed and sends them all again
   * on reconnecting). Recorded here, as the failed batch is answered: the next batch starts in
   * that same step (GroupCommit), before the callers hear of the failure.
   */
  private readonly refused = new WeakSet<object>();

  constructor(private readonly store: YjsStore) {
    this.commit = new GroupCommit((batch) => this.write(batch), MAX_BATCH);
  }

  submit(item: PendingUpdate, sender: object | null = null): Promise<number | null> {
    return this.commit.submit({ item, sender });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  flushed(): Promise<void> {
    return this.commit.flushed();
  }

  private async write(taken: Queued[]): Promise<Settled<number | null>[]> {
    const settled: Settled<number | null>[] = taken.map(() => stored(null));
    const kept = taken.flatMap((q, i) => (q.sender && this.refused.has(q.sender) ? [] : [i]));
    if (kept.length === 0) return settled;
    let seqs: number[];
    try {
      seqs = await this.store.append(kept.map((i) => taken[i]!.item));
    } catch (err) {
      for (const i of kept) {
        const sender = taken[i]!.sender;
        if (sender) this.refused.add(sender);
      }
      throw err;
    }
    kept.forEach((i, k) => (settled[i] = stored(seqs[k]!)));
    return settled;
  }
}
