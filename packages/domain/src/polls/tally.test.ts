import fc from 'fast-check';
import type { MemberId } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { tallyElectorate, tallyPoll, validateInRoomCounts, visibleSnapshot } from './tally.ts';
import { makePoll, opt, uuid } from './test-fixtures.ts';
import type { BallotChoice, InRoomCounts, OptionId, OptionKey, TallyResults } from '@yishi/protocol';

const facilitator = uuid(7) as MemberId;
const room = (over: Partial<InRoomCounts>): InRoomCounts => ({
  electorate: 'members',
  ballots: 0,
  counts: [],
  voters: [],
  enteredBy: facilitator,
  ...over,
});
const counts = (r: TallyResults | null) =>
  r?.kind === 'counts' ? Object.fromEntries(r.options.map((o) => [o.option, [o.online, o.inRoom, o.total]])) : null;

describe('tallyElectorate', () => {
  it('counts a motion with an in-room column, turnout and who entered the hands', () => {
    const poll = makePoll('motion');
    const choices: BallotChoice[] = [
      { kind: 'motion', choice: 'yes' },
      { kind: 'motion', choice: 'yes' },
      { kind: 'motion', choice: 'abstain' },
    ];
    const inRoom = room({
      ballots: 5,
      counts: [
        { option: 'yes', count: 2 },
        { option: 'no', count: 3 },
      ],
    });
    const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 12, choices, inRoom });
    expect(counts(t.results)).toEqual({ yes: [2, 2, 4], no: [0, 3, 3], abstain: [1, 0, 1] });
    expect(t).toMatchObject({ online: 3, inRoom: 5, turnout: 8, electorateSize: 12, inRoomEnteredBy: facilitator });
    expect(t.outcome).toBeNull();
  });

  it('counts every selected option of a multiple-choice ballot once', () => {
    const poll = makePoll('multiple', { maxChoices: 2 });
    const choices: BallotChoice[] = [
      { kind: 'multiple', optionIds: [opt(0), opt(1)] },
      { kind: 'multiple', optionIds: [opt(1)] },
    ];
    const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices });
    expect(counts(t.results)).toEqual({ [opt(0)]: [1, 0, 1], [opt(1)]: [2, 0, 2], [opt(2)]: [0, 0, 0] });
    expect(t.online).toBe(2);
  });

  it('leaves out ballots that do not validate against the poll', () => {
    const poll = makePoll('single');
    const choices: BallotChoice[] = [
      { kind: 'single', optionId: opt(0) },
      { kind: 'single', optionId: uuid(4242) as OptionId },
      { kind: 'motion', choice: 'yes' },
    ];
    const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices });
    expect(t.online).toBe(1);
    expect(counts(t.results)?.[opt(0)]).toEqual([1, 0, 1]);
  });

  it('runs the instant runoff for a ranked poll', () => {
    const poll = makePoll('ranked');
    const choices: BallotChoice[] = [
      { kind: 'ranked', ranking: [opt(0)] },
      { kind: 'ranked', ranking: [opt(1), opt(0)] },
      { kind: 'ranked', ranking: [opt(2), opt(0)] },
      { kind: 'ranked', ranking: [opt(0)] },
      { kind: 'ranked', ranking: [opt(1)] },
    ];
    const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices });
    expect(t.results).toMatchObject({ kind: 'ranked', winner: opt(0), tied: [] });
    expect(t.results?.kind === 'ranked' && t.results.rounds).toHaveLength(2);
  });

  it('sums and averages scores, with no average before any ballot', () => {
    const poll = makePoll('score', { options: 2 });
    const ballot = (a: number, b: number): BallotChoice => ({
      kind: 'score',
      scores: [
        { optionId: opt(0), score: a },
        { optionId: opt(1), score: b },
      ],
    });
    const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices: [ballot(5, 0), ballot(2, 1)] });
    expect(t.results).toEqual({
      kind: 'score',
      options: [
        { optionId: opt(0), sum: 7, average: 3.5 },
        { optionId: opt(1), sum: 1, average: 0.5 },
      ],
    });
    const empty = tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices: [] });
    expect(empty.results).toMatchObject({ options: [{ average: null }, { average: null }] });
  });

  it('throws on in-room counts that were not validated', () => {
    const poll = makePoll('motion');
    const inRoom = room({ ballots: 4, counts: [{ option: 'yes', count: 3 }] });
    expect(() => tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices: [], inRoom })).toThrow(/inconsistent_ballots/);
    const residents = room({ electorate: 'residents' });
    expect(() => tallyElectorate(poll, { electorate: 'members', electorateSize: 5, choices: [], inRoom: residents })).toThrow(/wrong_electorate/);
  });

  it('warns on a secret poll with a tiny electorate, not on roll call', () => {
    const input = { electorate: 'members' as const, electorateSize: 2, choices: [] };
    expect(tallyElectorate(makePoll('motion'), input).warning).toBe('small_electorate');
    expect(tallyElectorate(makePoll('motion', { secrecy: 'roll_call' }), input).warning).toBeNull();
  });
});

describe('validateInRoomCounts', () => {
  it('accepts consistent counts and refuses the rest', () => {
    const motion = makePoll('motion');
    expect(validateInRoomCounts(motion, room({ ballots: 3, counts: [{ option: 'no', count: 3 }] }))).toEqual({ ok: true });
    expect(validateInRoomCounts(motion, room({ ballots: 3, counts: [{ option: 'no', count: 2 }] }))).toMatchObject({
      code: 'inconsistent_ballots',
    });
    expect(validateInRoomCounts(motion, room({ counts: [{ option: opt(0), count: 0 }] }))).toMatchObject({
      code: 'unknown_option',
    });
    const dup = room({
      ballots: 2,
      counts: [
        { option: 'yes', count: 1 },
        { option: 'yes', count: 1 },
      ],
    });
    expect(validateInRoomCounts(motion, dup)).toMatchObject({ code: 'duplicate_option' });
    expect(validateInRoomCounts(motion, room({ electorate: 'residents' }))).toMatchObject({ code: 'wrong_electorate' });
    expect(validateInRoomCounts(makePoll('motion', { eligibility: 'everyone' }), room({ electorate: 'residents' }))).toEqual({
      ok: true,
    });
  });

  it('refuses members counted in the room who are not named, or who voted online', () => {
    const motion = makePoll('motion');
    const three = room({ ballots: 3, counts: [{ option: 'yes', count: 3 }], voters: ['a', 'b', 'c'] as InRoomCounts['voters'] });
    const roster = (votedOnline: string[]) => ({ members: new Set(['a', 'b', 'c', 'd']), votedOnline: new Set(votedOnline) });
    expect(validateInRoomCounts(motion, three, roster(['d']))).toEqual({ ok: true });
    expect(validateInRoomCounts(motion, three, roster(['c']))).toEqual({ ok: false, code: 'voted_online' });
    expect(validateInRoomCounts(motion, { ...three, voters: three.voters.slice(1) }, roster([]))).toEqual({ ok: false, code: 'voters_mismatch' });
    // No roster given (the tally, counting what was checked on entry): anything consistent goes.
    expect(validateInRoomCounts(motion, three)).toEqual({ ok: true });
  });

  it('bounds multiple-choice hands by people and maxChoices', () => {
    const poll = makePoll('multiple', { maxChoices: 2 });
    const hands = (ballots: number, ...n: number[]) =>
      validateInRoomCounts(poll, room({ ballots, counts: n.map((count, i) => ({ option: opt(i), count })) })).ok;
    expect(hands(3, 3, 2, 1)).toBe(true); // 6 hands, 3 people, 2 each at most
    expect(hands(3, 3, 3, 1)).toBe(false); // 7 hands from 3 people choosing at most 2
    expect(hands(3, 4)).toBe(false); // more hands for one option than people
    expect(hands(3, 1, 1)).toBe(false); // someone counted chose nothing
  });

  it('refuses hand counts for ranked and score polls', () => {
    expect(validateInRoomCounts(makePoll('ranked'), room({}))).toMatchObject({ code: 'not_supported' });
    expect(validateInRoomCounts(makePoll('score'), room({}))).toMatchObject({ code: 'not_supported' });
  });
});

describe('tallyPoll and visibleSnapshot', () => {
  it('tallies members and residents apart when everyone may vote', () => {
    const poll = makePoll('single', { eligibility: 'everyone' });
    const snap = tallyPoll(
      poll,
      [
        { electorate: 'residents', electorateSize: 40, choices: [{ kind: 'single', optionId: opt(1) }] },
        { electorate: 'members', electorateSize: 9, choices: [{ kind: 'single', optionId: opt(0) }] },
      ],
      { state: 'open', version: 3 },
    );
    expect(snap).toMatchObject({ pollId: poll.id, kind: 'single', state: 'open', version: 3 });
    expect(snap.electorates.map((e) => [e.electorate, e.electorateSize])).toEqual([
      ['members', 9],
      ['residents', 40],
    ]);
    expect(counts(snap.electorates[1]!.results)?.[opt(1)]).toEqual([1, 0, 1]);
  });

  it('refuses residents in a members-only poll', () => {
    const poll = makePoll('single');
    expect(() => tallyPoll(poll, [{ electorate: 'residents', electorateSize: 1, choices: [] }], { state: 'open', version: 1 })).toThrow();
  });

  it('hides results and the unanimous warning until close, keeps turnout', () => {
    const poll = makePoll('motion', { results: 'hidden_until_close' });
    const choices = Array.from({ length: 4 }, (): BallotChoice => ({ kind: 'motion', choice: 'no' }));
    const open = tallyPoll(poll, [{ electorate: 'members', electorateSize: 9, choices }], { state: 'open', version: 1 });
    expect(open.electorates[0]!.warning).toBe('unanimous');
    const shown = visibleSnapshot(poll, open).electorates[0]!;
    expect(shown).toMatchObject({ results: null, warning: null, turnout: 4, electorateSize: 9 });
    const closed = { ...open, state: 'closed' as const };
    expect(visibleSnapshot(poll, closed)).toBe(closed);
    const live = makePoll('motion');
    expect(visibleSnapshot(live, open)).toBe(open);
  });
});

// ---- property: conservation ----

const N_OPTIONS = 4;
const ids = Array.from({ length: N_OPTIONS }, (_, i) => opt(i));
const stranger = uuid(5555) as OptionId;
const anyId = fc.constantFrom(...ids, stranger);

const choiceFor = {
  motion: fc.constantFrom('yes', 'no', 'abstain').map((choice): BallotChoice => ({ kind: 'motion', choice })),
  single: anyId.map((optionId): BallotChoice => ({ kind: 'single', optionId })),
  // Includes invalid ballots (repeats, strangers, too many) to check that exactly the valid ones count.
  multiple: fc.array(anyId, { minLength: 1, maxLength: 4 }).map((optionIds): BallotChoice => ({ kind: 'multiple', optionIds })),
};

describe('tally properties', () => {
  it('the counts add up to the valid choices plus the in-room hands', () => {
    const scenario = fc.constantFrom('motion' as const, 'single' as const, 'multiple' as const).chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        maxChoices: fc.integer({ min: 1, max: N_OPTIONS }),
        choices: fc.array(choiceFor[kind], { maxLength: 40 }),
        hands: fc.option(fc.array(fc.nat({ max: 30 }), { minLength: 3, maxLength: 3 }), { nil: null }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ kind, maxChoices, choices, hands }) => {
        const poll = makePoll(kind, { options: N_OPTIONS, maxChoices });
        const keys: OptionKey[] = kind === 'motion' ? ['yes', 'no', 'abstain'] : ids;
        // In-room counts built to be consistent: for multiple choice, people = the largest count.
        const inRoom = hands
          ? room({
              ballots: kind === 'multiple' ? Math.max(...hands) : hands.reduce((a, b) => a + b, 0),
              counts: hands.map((count, i) => ({ option: keys[i]!, count })),
            })
          : null;
        fc.pre(!inRoom || validateInRoomCounts(poll, inRoom).ok);

        const valid = choices.filter((c) => {
          if (c.kind === 'motion') return true;
          if (c.kind === 'single') return ids.includes(c.optionId);
          if (c.kind !== 'multiple') return false;
          const set = new Set(c.optionIds);
          return set.size === c.optionIds.length && c.optionIds.every((o) => ids.includes(o)) && set.size <= maxChoices;
        });
        const weight = valid.reduce((s, c) => s + (c.kind === 'multiple' ? c.optionIds.length : 1), 0);
        const handTotal = hands?.reduce((a, b) => a + b, 0) ?? 0;

        const t = tallyElectorate(poll, { electorate: 'members', electorateSize: 50, choices, inRoom });
        const rows = t.results?.kind === 'counts' ? t.results.options : [];
        expect(rows.reduce((s, r) => s + r.total, 0)).toBe(weight + handTotal);
        expect(rows.reduce((s, r) => s + r.online, 0)).toBe(weight);
        expect(rows.every((r) => r.total === r.online + r.inRoom)).toBe(true);
        expect(t.online).toBe(valid.length);
        expect(t.turnout).toBe(valid.length + (inRoom?.ballots ?? 0));
      }),
    );
  });

  it('the same ballots in any order give the same tally', () => {
    const scenario = fc
      .array(choiceFor.multiple, { maxLength: 30 })
      .chain((c) => fc.tuple(fc.constant(c), fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length })));
    fc.assert(
      fc.property(scenario, ([choices, reordered]) => {
        const poll = makePoll('multiple', { options: N_OPTIONS, maxChoices: 3 });
        const a = tallyElectorate(poll, { electorate: 'members', electorateSize: 50, choices });
        const b = tallyElectorate(poll, { electorate: 'members', electorateSize: 50, choices: reordered });
        expect(b).toEqual(a);
      }),
    );
  });
});
