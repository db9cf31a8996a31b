import fc from 'fast-check';
import type { BallotChoice, InRoomCounts, MeetingId, MemberId, OptionId, PollKind, PollView } from '@yishi/protocol';
import { LiveTally } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { compactTally, expandTally, withLiveTallies } from './compact-tally.ts';
import { tallyPoll, validateInRoomCounts, visibleSnapshot } from './tally.ts';
import { makePoll, opt, uuid } from './test-fixtures.ts';

const N = 4;
const ids = Array.from({ length: N }, (_, i) => opt(i));
const someIds = fc.shuffledSubarray(ids, { minLength: 1, maxLength: N });

const choiceFor: Record<PollKind, fc.Arbitrary<BallotChoice>> = {
  motion: fc.constantFrom('yes', 'no', 'abstain').map((choice): BallotChoice => ({ kind: 'motion', choice })),
  single: fc.constantFrom(...ids).map((optionId): BallotChoice => ({ kind: 'single', optionId })),
  multiple: someIds.map((optionIds): BallotChoice => ({ kind: 'multiple', optionIds: optionIds.slice(0, 2) })),
  ranked: someIds.map((ranking): BallotChoice => ({ kind: 'ranked', ranking })),
  score: fc
    .array(fc.integer({ min: 0, max: 5 }), { minLength: N, maxLength: N })
    .map((s): BallotChoice => ({ kind: 'score', scores: ids.map((optionId, i) => ({ optionId, score: s[i]! })) })),
};

describe('compact live tallies', () => {
  it('expand(compact(tally)) is the tally, for every kind, electorate mix, hand count and visibility', () => {
    const scenario = fc.constantFrom<PollKind>('motion', 'single', 'multiple', 'ranked', 'score').chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        everyone: fc.boolean(),
        hidden: fc.boolean(),
        members: fc.array(choiceFor[kind], { maxLength: 25 }),
        residents: fc.array(choiceFor[kind], { maxLength: 25 }),
        hands: fc.option(fc.array(fc.nat({ max: 9 }), { minLength: 2, maxLength: 2 }), { nil: null }),
        version: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ kind, everyone, hidden, members, residents, hands, version }) => {
        const poll = makePoll(kind, {
          options: N,
          maxChoices: 2,
          eligibility: everyone ? 'everyone' : 'members',
          results: hidden ? 'hidden_until_close' : 'live',
        });
        const keys = kind === 'motion' ? (['yes', 'no'] as const) : [ids[0]!, ids[1]!];
        const inRoom: InRoomCounts | null =
          hands && (kind === 'motion' || kind === 'single')
            ? {
                electorate: 'members',
                ballots: hands[0]! + hands[1]!,
                counts: [
                  { option: keys[0]!, count: hands[0]! },
                  { option: keys[1]!, count: hands[1]! },
                ],
                voters: [],
                enteredBy: uuid(7) as MemberId,
              }
            : null;
        fc.pre(!inRoom || validateInRoomCounts(poll, inRoom).ok);
        const inputs = [
          { electorate: 'members' as const, electorateSize: 30, choices: members, inRoom },
          // An unverified residents' electorate is unknown (null) on every other run.
          ...(everyone ? [{ electorate: 'residents' as const, electorateSize: version % 2 ? 500 : null, choices: residents, inRoom: null }] : []),
        ];
        const tally = visibleSnapshot(poll, tallyPoll(poll, inputs, { state: 'open', version }));
        const live = compactTally(tally);
        // What goes on the wire passes the wire schema, and comes back whole.
        expect(LiveTally.parse(live)).toEqual(live);
        expect(expandTally(poll, live)).toEqual(tally);
      }),
    );
  });

  it('is several times smaller than the tally it stands for', () => {
    const poll = makePoll('single', { options: N, eligibility: 'everyone' });
    const choices = Array.from({ length: 3000 }, (_, i): BallotChoice => ({ kind: 'single', optionId: ids[i % N] as OptionId }));
    const tally = tallyPoll(
      poll,
      [
        { electorate: 'members', electorateSize: 25, choices: [] },
        { electorate: 'residents', electorateSize: 5000, choices },
      ],
      { state: 'open', version: 1_795_000_000_000 },
    );
    const full = JSON.stringify(tally).length;
    const compact = JSON.stringify(compactTally(tally)).length;
    expect(compact * 2.5).toBeLessThan(full);
  });
});

describe('withLiveTallies', () => {
  const poll = makePoll('single', { options: N });
  const tallyAt = (version: number, votes: number, state: 'open' | 'closed' = 'open') =>
    tallyPoll(
      poll,
      [
        {
          electorate: 'members',
          electorateSize: 30,
          choices: Array.from({ length: votes }, (): BallotChoice => ({ kind: 'single', optionId: ids[0]! })),
        },
      ],
      { state, version },
    );
  const view = (state: 'open' | 'closed', version: number, votes: number): PollView => ({
    poll: {
      meetingId: uuid(9) as MeetingId,
      definition: poll,
      state,
      residentAccess: 'open_unverified',
      closesAt: null,
      agendaItemId: null,
      createdAt: '2026-12-01T11:00:00.000Z',
    },
    tally: tallyAt(version, votes, state),
    voters: null,
    named: [],
    unverified: false,
    decision: null,
  });

  it("shows the newer tally of an open poll, and never replaces a closed poll's final one", () => {
    const newer = { tallies: [compactTally(tallyAt(20, 7))] };
    expect(withLiveTallies({ polls: [view('open', 10, 3)] }, newer).polls[0]!.tally).toEqual(tallyAt(20, 7));
    // An older push (from a slower instance) does not take the count back.
    expect(withLiveTallies({ polls: [view('open', 30, 9)] }, newer).polls[0]!.tally).toEqual(tallyAt(30, 9));
    expect(withLiveTallies({ polls: [view('closed', 10, 3)] }, newer).polls[0]!.tally.state).toBe('closed');
    expect(withLiveTallies({ polls: [view('open', 10, 3)] }, null).polls[0]!.tally).toEqual(tallyAt(10, 3));
  });
});
