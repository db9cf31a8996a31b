import { GroupCommit, refused, stored, type Settled } from '../../core/group-commit.ts';
import { AppError } from '../../errors.ts';
import type { OpinionStore, SecondInput, SecondOutcome } from './store.ts';

/** Most seconds written in one transaction; a bigger burst waits for the next one. */
const MAX_BATCH = 200;

/**
 * Group commit for seconds (core/group-commit.ts, as for ballots): every second that arrives
 * while a transaction runs goes into the next one (OpinionStore#secondMany), each with its own
 * outcome. A caller's promise settles only after its batch has committed, so an acknowledgement
 * always means "stored".
 */
export class SecondWriter {
  private readonly commit: GroupCommit<SecondInput, SecondOutcome>;

  constructor(private readonly store: OpinionStore) {
    this.commit = new GroupCommit((batch) => this.write(batch), MAX_BATCH);
  }

  submit(input: SecondInput): Promise<SecondOutcome> {
    return this.commit.submit(input);
  }

  private async one(i: SecondInput): Promise<SecondOutcome | AppError> {
    try {
      return await this.store.second(i.meetingId, i.id, i.who, i.whoRef, i.seconded);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }

  private async write(inputs: SecondInput[]): Promise<Settled<SecondOutcome>[]> {
    // Alone, the single statement path is shorter (a batch reads the seconds held and its rows again).
    const outcomes = inputs.length === 1 ? [await this.one(inputs[0]!)] : await this.store.secondMany(inputs);
    return outcomes.map((o) => ('row' in o ? stored(o) : refused(o)));
  }
}
