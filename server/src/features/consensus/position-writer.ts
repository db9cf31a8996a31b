import type { MemberId } from '@yishi/protocol';
import { GroupCommit, refused, stored, type Settled } from '../../core/group-commit.ts';
import { AppError } from '../../errors.ts';
import type { ConsensusStore, PendingPosition, PositionStatus } from './store.ts';
import { RESIDENTS_KEY } from './store.ts';

/** Most positions written in one transaction; a bigger burst waits for the next one. */
const MAX_BATCH = 1000;

/** A position as the service hands it over: a member's group is resolved with the batch. */
export type PositionRequest = Omit<PendingPosition, 'groupKey'> & { memberId: MemberId | null };

type Stored = { status: PositionStatus; statementId: string | null };

/**
 * Group commit for positions (core/group-commit.ts, as for ballots): every change that arrives
 * while a transaction runs goes into the next one, so a room of thousands moving at once costs a
 * few statements per batch instead of a transaction per change. Each caller's promise resolves
 * only after its batch has committed: an acknowledgement means "stored". The members' groups (a
 * member's position counts in their group now) are read once per batch.
 */
export class PositionWriter {
  private readonly commit: GroupCommit<PositionRequest, Stored>;

  constructor(private readonly store: ConsensusStore) {
    this.commit = new GroupCommit((batch) => this.write(batch), MAX_BATCH);
  }

  submit(request: PositionRequest): Promise<Stored> {
    return this.commit.submit(request);
  }

  private async write(requests: PositionRequest[]): Promise<Settled<Stored>[]> {
    const memberIds = requests.flatMap((r) => (r.memberId ? [r.memberId] : []));
    const groups = await this.store.memberGroups(memberIds);
    const settled: Settled<Stored>[] = new Array(requests.length);
    const known: number[] = [];
    const pending: PendingPosition[] = [];
    requests.forEach((request, i) => {
      const { memberId, ...rest } = request;
      const groupKey = memberId ? groups.get(memberId) : RESIDENTS_KEY;
      if (groupKey === undefined) settled[i] = refused(new AppError('not_found', 'member'));
      else {
        known.push(i);
        pending.push({ ...rest, groupKey });
      }
    });
    const outcomes = await this.store.commitPositions(pending);
    known.forEach((i, k) => {
      const o = outcomes[k]!;
      settled[i] = o.ok
        ? stored({ status: o.status, statementId: o.statementId })
        : refused(new AppError(o.code, o.code === 'not_found' ? 'consensus check' : undefined));
    });
    return settled;
  }
}
