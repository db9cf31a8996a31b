import type { Electorate, MeetingId, Poll, PollId, PollOutcome, PublicDecision } from '@yishi/protocol';
import type { Store } from '../../storage/store.ts';

/**
 * The decisions of a meeting as the public record says them: the poll's title and, per
 * electorate, the outcome with the winning labels; no counts, no voters. With the poll each came
 * from (the agenda shows them on their items; a closed meeting's join code shows them without).
 */
export async function publicDecisions(
  store: Store,
  meetingId: MeetingId,
  /** The meeting's polls, when the caller has just read them. */
  known?: Poll[],
): Promise<(PublicDecision & { pollId: PollId | null })[]> {
  const [rows, polls] = await Promise.all([store.polls.decisions(meetingId), known ?? store.polls.listForMeeting(meetingId)]);
  const defs = new Map(polls.map((p) => [p.definition.id as string, p.definition]));
  return rows.map((row) => {
    const def = row.pollId ? defs.get(row.pollId) : undefined;
    const label = (id: string) => (def && def.kind !== 'motion' ? (def.options.find((o) => o.id === id)?.label ?? id) : id);
    const outcomes = (row.outcome as { electorate: Electorate; outcome: PollOutcome | null }[])
      .filter((o) => o.outcome)
      .map(({ electorate, outcome }) => ({
        electorate,
        kind: outcome!.kind,
        labels: outcome!.kind === 'winner' ? [label(outcome!.optionId)] : outcome!.kind === 'tie' ? outcome!.optionIds.map(label) : [],
      }));
    return { pollId: row.pollId as PollId | null, title: row.title, outcomes };
  });
}
