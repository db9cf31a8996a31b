import type { PollId } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import { POLL_CLOSE } from '../../storage/deadlines.ts';
import type { Store } from '../../storage/store.ts';
import type { VoteService } from './vote-service.ts';

/**
 * Polls with a closing time close by themselves: opening one stores its deadline
 * (PollStore#open); the scheduler runs this on one instance when it is due.
 */
export async function registerPollDeadlines(scheduler: Scheduler, store: Store, votes: VoteService): Promise<void> {
  scheduler.register(POLL_CLOSE, async (subject) => {
    const pollId = subject as PollId;
    const poll = await store.polls.get(pollId).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_found') return undefined;
      throw err;
    });
    if (poll?.state !== 'open') return; // closed by hand before its time (or gone)
    try {
      await votes.close(pollId, { byHand: false });
    } catch (err) {
      // Closed by hand (or by a meeting's close) while this one ran: done all the same.
      if ((await store.polls.get(pollId)).state !== 'open') return;
      throw err;
    }
  });
  // Open polls from before deadlines were stored get theirs (existing ones are left alone).
  const timed = await store.polls.openWithClosingTime();
  await store.deadlines.ensure(
    POLL_CLOSE,
    timed.map((t) => ({ subject: t.pollId, dueAt: t.closesAt })),
  );
}
