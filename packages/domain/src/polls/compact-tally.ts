import type { ElectorateTally, LiveElectorate, LiveTally, OptionKey, PollDefinition, PollsView, TalliesView, TallySnapshot } from '@yishi/protocol';
import { optionKeys } from './option-keys.ts';

/**
 * An open poll's tally in the compact wire form (protocol LiveTally): counts as arrays in
 * ballot order instead of one object per option with its id. A push of the full form to 5,000
 * phones four times a second was most of what the server wrote and the phones parsed.
 * Outcomes are not carried: an open poll has none.
 */
export function compactTally(snapshot: TallySnapshot): LiveTally {
  return {
    pollId: snapshot.pollId,
    kind: snapshot.kind,
    version: snapshot.version,
    electorates: snapshot.electorates.map((e): LiveElectorate => {
      const r = e.results;
      return {
        electorate: e.electorate,
        electorateSize: e.electorateSize,
        ...(e.electorateKnown ? {} : { electorateKnown: false as const }),
        online: e.online,
        inRoom: e.inRoom,
        inRoomEnteredBy: e.inRoomEnteredBy,
        warning: e.warning,
        counts: r?.kind === 'counts' ? { online: r.options.map((o) => o.online), inRoom: r.options.map((o) => o.inRoom) } : null,
        results: r && r.kind !== 'counts' ? r : null,
      };
    }),
  };
}

/**
 * The TallySnapshot a LiveTally stands for, given the poll's definition (which names the
 * options). The inverse of compactTally for an open poll: expandTally(def, compactTally(t))
 * deep-equals t (tested with fast-check).
 */
export function expandTally(poll: PollDefinition, live: LiveTally): TallySnapshot {
  const keys: OptionKey[] = optionKeys(poll);
  return {
    pollId: live.pollId,
    kind: live.kind,
    state: 'open',
    version: live.version,
    electorates: live.electorates.map((e): ElectorateTally => ({
      electorate: e.electorate,
      electorateSize: e.electorateSize,
      electorateKnown: e.electorateKnown !== false,
      online: e.online,
      inRoom: e.inRoom,
      turnout: e.online + e.inRoom,
      inRoomEnteredBy: e.inRoomEnteredBy,
      results: e.counts
        ? {
            kind: 'counts',
            options: keys.map((option, i) => {
              const online = e.counts!.online[i] ?? 0;
              const inRoom = e.counts!.inRoom[i] ?? 0;
              return { option, online, inRoom, total: online + inRoom };
            }),
          }
        : e.results,
      outcome: null,
      warning: e.warning,
    })),
  };
}

/**
 * The polls as a client shows them: each open poll with whichever tally is newer, the one in
 * the polls view or the one in the tallies view. A closed poll keeps its final tally.
 */
export function withLiveTallies(polls: PollsView, tallies: TalliesView | null | undefined): PollsView {
  if (!tallies || tallies.tallies.length === 0) return polls;
  const byPoll = new Map(tallies.tallies.map((t) => [t.pollId as string, t]));
  return {
    polls: polls.polls.map((view) => {
      const live = byPoll.get(view.poll.definition.id);
      if (!live || view.poll.state !== 'open' || live.version <= view.tally.version) return view;
      return { ...view, tally: expandTally(view.poll.definition, live) };
    }),
  };
}
