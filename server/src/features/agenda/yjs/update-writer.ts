import { GroupCommit, stored, type Settled } from '../../../core/group-commit.ts';
import type { PendingUpdate, YjsStore } from './store.ts';

/** Most updates in one transaction; a bigger burst waits for the next. */
const MAX_BATCH = 500;

interface Queued {
  item: PendingUpdate;
  /** Checked just before the batch is written: an update whose sender's earlier one failed is not written. */
  cancelled: () => boolean;
}

/**
 * Group commit for Yjs updates (core/group-commit.ts, as for ballots): every update that arrives
 * while a transaction runs goes into the next one, so 20 people typing cost a few transactions a
 * second, not a hundred. A caller's promise resolves with the update's sequence number once it
 * is committed (null if it was cancelled before being written); only then is it relayed.
 */
export class UpdateWriter {
  private readonly commit: GroupCommit<Queued, number | null>;

  constructor(private readonly store: YjsStore) {
    this.commit = new GroupCommit((batch) => this.write(batch), MAX_BATCH);
  }

  submit(item: PendingUpdate, cancelled: () => boolean = () => false): Promise<number | null> {
    return this.commit.submit({ item, cancelled });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  flushed(): Promise<void> {
    return this.commit.flushed();
  }

  private async write(taken: Queued[]): Promise<Settled<number | null>[]> {
    const settled: Settled<number | null>[] = taken.map(() => stored(null));
    const kept = taken.flatMap((q, i) => (q.cancelled() ? [] : [i]));
    if (kept.length === 0) return settled;
    const seqs = await this.store.append(kept.map((i) => taken[i]!.item));
    kept.forEach((i, k) => (settled[i] = stored(seqs[k]!)));
    return settled;
  }
}
