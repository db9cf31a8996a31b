import { GroupCommit, stored } from '../../core/group-commit.ts';
import type { BallotOutcome, PendingBallot, PollStore } from './store.ts';

/** Most ballots written in one transaction; a bigger burst waits for the next flush. */
const MAX_BATCH = 500;

/**
 * Group commit for ballots (core/group-commit.ts): a room of thousands voting in the same second
 * would otherwise be thousands of transactions. Each caller's promise resolves only after its
 * batch has committed, so an acknowledgement always means "stored" (DESIGN.md 5); if the
 * transaction fails, every voter of the batch gets the error and may retry with the same key.
 */
export class BallotWriter {
  private readonly commit: GroupCommit<PendingBallot, BallotOutcome>;

  constructor(polls: PollStore) {
    this.commit = new GroupCommit(async (ballots) => (await polls.commitBallots(ballots)).map(stored), MAX_BATCH);
  }

  submit(ballot: PendingBallot): Promise<BallotOutcome> {
    return this.commit.submit(ballot);
  }
}
