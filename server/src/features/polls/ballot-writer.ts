import type { BallotOutcome, PendingBallot, PollStore } from './store.ts';

/** Most ballots written in one transaction; a bigger burst waits for the next flush. */
const MAX_BATCH = 500;

/**
 * Group commit for ballots. A room of thousands voting in the same second would otherwise be
 * thousands of transactions; here every ballot that arrives while one transaction runs goes
 * into the next one. Each caller's promise resolves only after its batch has committed, so an
 * acknowledgement always means "stored" (DESIGN.md 5).
 */
export class BallotWriter {
  private queue: { ballot: PendingBallot; resolve: (o: BallotOutcome) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly polls: PollStore) {}

  submit(ballot: PendingBallot): Promise<BallotOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ballot, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let the ballots already in flight on the event loop join this batch.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const outcomes = await this.polls.commitBallots(batch.map((b) => b.ballot));
          batch.forEach((b, i) => b.resolve(outcomes[i]!));
        } catch (err) {
          // Nothing in this batch was stored; every voter gets an error and may retry with the same key.
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
