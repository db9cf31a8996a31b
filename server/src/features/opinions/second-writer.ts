import { AppError } from '../../errors.ts';
import type { OpinionStore, SecondInput, SecondOutcome } from './store.ts';

/** Most seconds written in one transaction; a bigger burst waits for the next one. */
const MAX_BATCH = 200;

/**
 * Group commit for seconds (as polls' BallotWriter for ballots): every second that arrives while
 * a transaction runs goes into the next one (OpinionStore#secondMany), each with its own outcome.
 * A caller's promise settles only after its batch has committed, so an acknowledgement always
 * means "stored".
 */
export class SecondWriter {
  private queue: { input: SecondInput; resolve: (o: SecondOutcome) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly store: OpinionStore) {}

  submit(input: SecondInput): Promise<SecondOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async one(i: SecondInput): Promise<SecondOutcome | AppError> {
    try {
      return await this.store.second(i.meetingId, i.id, i.who, i.whoRef, i.seconded);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let the seconds already in flight on the event loop join this batch.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          // Alone, the single statement path is shorter (a batch reads the seconds held and its rows again).
          const outcomes = batch.length === 1 ? [await this.one(batch[0]!.input)] : await this.store.secondMany(batch.map((b) => b.input));
          batch.forEach((b, i) => {
            const o = outcomes[i]!;
            if ('row' in o) b.resolve(o);
            else b.reject(o);
          });
        } catch (err) {
          // Nothing in this batch was stored: every caller gets the error and may try again.
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
