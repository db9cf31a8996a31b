import type { PollId } from '@yishi/protocol';
import type { StartContext, Stop } from '../../core/feature.ts';
import { registerPollDeadlines } from './poll-deadlines.ts';

/**
 * What the polls feature runs on each instance: timed polls close by the scheduler, and held
 * secret ballots (in one instance's memory) are collected from every instance at a close.
 */
export async function startPolls({ services, scheduler, io, relaysToOtherInstances }: StartContext): Promise<Stop> {
  const { votes, store, log } = services;
  if (relaysToOtherInstances) {
    // Held secret ballots live in one instance's memory: a close anywhere collects them all.
    io.on('seal:handover', (pollId, ack) => ack(votes.handover(pollId as PollId)));
    io.on('seal:settled', (pollId) => void votes.settled(pollId as PollId).catch(() => undefined));
    votes.setPeers({
      handover: async (pollId) => (await io.serverSideEmitWithAck('seal:handover', pollId)).flat(),
      settled: (pollId) => io.serverSideEmit('seal:settled', pollId),
    });
  }
  await registerPollDeadlines(scheduler, store, votes);
  // Held secret ballots of polls closed elsewhere are answered even if `seal:settled` was lost.
  const sealSweep = setInterval(() => void votes.settleClosed().catch((err: unknown) => log.warn('settling held ballots failed', { err })), 1_000);
  sealSweep.unref();
  return () => clearInterval(sealSweep);
}
