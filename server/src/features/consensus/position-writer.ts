import type { MemberId } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { ConsensusStore, PendingPosition, PositionStatus } from './store.ts';
import { RESIDENTS_KEY } from './store.ts';

/** Most positions written in one transaction; a bigger burst waits for the next one. */
const MAX_BATCH = 1000;

/** A position as the service hands it over: a member's group is resolved with the batch. */
export type PositionRequest = Omit<PendingPosition, 'groupKey'> & { memberId: MemberId | null };

interface Waiting {
  request: PositionRequest;
  resolve: (r: { status: PositionStatus; statementId: string | null }) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for positions, like ballots (features/polls/ballot-writer.ts): every change that
 * arrives while a transaction runs goes into the next one, so a room of thousands moving at once
 * costs a few statements per batch instead of a transaction per change. Each caller's promise
 * resolves only after its batch has committed: an acknowledgement means "stored". The members'
 * groups (a member's position counts in their group now) are read once per batch.
 */
export class PositionWriter {
  private queue: Waiting[] = [];
  private running = false;

  constructor(private readonly store: ConsensusStore) {}

  submit(request: PositionRequest): Promise<{ status: PositionStatus; statementId: string | null }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let the changes already in flight on the event loop join this batch.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.write(batch);
        } catch (err) {
          // Nothing in this batch was stored; each participant gets an error and may retry with the same key.
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    const memberIds = batch.flatMap((w) => (w.request.memberId ? [w.request.memberId] : []));
    const groups = await this.store.memberGroups(memberIds);
    const known: Waiting[] = [];
    const pending: PendingPosition[] = [];
    for (const w of batch) {
      const { memberId, ...rest } = w.request;
      const groupKey = memberId ? groups.get(memberId) : RESIDENTS_KEY;
      if (groupKey === undefined) w.reject(new AppError('not_found', 'member'));
      else {
        known.push(w);
        pending.push({ ...rest, groupKey });
      }
    }
    const outcomes = await this.store.commitPositions(pending);
    known.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve({ status: o.status, statementId: o.statementId });
      else w.reject(new AppError(o.code, o.code === 'not_found' ? 'consensus check' : undefined));
    });
  }
}
