import { describe, expect, it } from 'vitest';
import { BallotChoice, InRoomCounts, MOTION_CHOICES, OptionKey, PollDefinition, TallySnapshot } from './index.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const options = (n: number) => Array.from({ length: n }, (_, i) => ({ id: uuid(100 + i), label: `Option ${i}` }));
const base = {
  id: uuid(1),
  title: '增设电动车充电桩',
  eligibility: 'members',
  secrecy: 'secret',
  results: 'live',
  rule: {
    quorum: { kind: 'ballots_cast', min: { kind: 'share', percent: 50 } },
    threshold: { share: { kind: 'two_thirds' }, base: 'ballots_cast', abstentions: 'excluded' },
  },
};

describe('PollDefinition', () => {
  it('accepts a motion without options and its fixed choices', () => {
    expect(PollDefinition.safeParse({ ...base, kind: 'motion' }).success).toBe(true);
    expect(MOTION_CHOICES).toEqual(['yes', 'no', 'abstain']);
  });

  it('requires a threshold on a motion and none on a score poll', () => {
    const none = { ...base.rule, threshold: null };
    expect(PollDefinition.safeParse({ ...base, kind: 'motion', rule: none }).success).toBe(false);
    expect(PollDefinition.safeParse({ ...base, kind: 'score', options: options(3), rule: none }).success).toBe(true);
    expect(PollDefinition.safeParse({ ...base, kind: 'score', options: options(3) }).success).toBe(false);
    expect(PollDefinition.safeParse({ ...base, kind: 'single', options: options(3), rule: none }).success).toBe(true);
  });

  it('refuses repeated option ids, fewer than 2 options, and maxChoices above the options', () => {
    const twice = [...options(2), options(1)[0]];
    expect(PollDefinition.safeParse({ ...base, kind: 'single', options: twice }).success).toBe(false);
    expect(PollDefinition.safeParse({ ...base, kind: 'single', options: options(1) }).success).toBe(false);
    expect(PollDefinition.safeParse({ ...base, kind: 'multiple', options: options(3), maxChoices: 4 }).success).toBe(false);
    expect(PollDefinition.safeParse({ ...base, kind: 'multiple', options: options(3), maxChoices: 3 }).success).toBe(true);
  });

  it('refuses a percent threshold outside 1..100', () => {
    const rule = { ...base.rule, threshold: { ...base.rule.threshold, share: { kind: 'percent', percent: 101 } } };
    expect(PollDefinition.safeParse({ ...base, kind: 'motion', rule }).success).toBe(false);
  });
});

describe('BallotChoice', () => {
  it('checks shape per kind', () => {
    expect(BallotChoice.safeParse({ kind: 'motion', choice: 'yes' }).success).toBe(true);
    expect(BallotChoice.safeParse({ kind: 'motion', choice: 'maybe' }).success).toBe(false);
    expect(BallotChoice.safeParse({ kind: 'single', optionId: 'not-a-uuid' }).success).toBe(false);
    expect(BallotChoice.safeParse({ kind: 'multiple', optionIds: [] }).success).toBe(false);
    expect(BallotChoice.safeParse({ kind: 'ranked', ranking: [uuid(100)] }).success).toBe(true);
    expect(BallotChoice.safeParse({ kind: 'score', scores: [{ optionId: uuid(100), score: 6 }] }).success).toBe(false);
    expect(BallotChoice.safeParse({ kind: 'score', scores: [{ optionId: uuid(100), score: 2.5 }] }).success).toBe(false);
  });

  it('bounds list sizes against hostile input', () => {
    const many = Array.from({ length: 31 }, (_, i) => uuid(i));
    expect(BallotChoice.safeParse({ kind: 'ranked', ranking: many }).success).toBe(false);
  });
});

describe('wire snapshots', () => {
  it('keys tally rows by a motion choice or an option id', () => {
    expect(OptionKey.safeParse('abstain').success).toBe(true);
    expect(OptionKey.safeParse(uuid(5)).success).toBe(true);
    expect(OptionKey.safeParse('maybe').success).toBe(false);
  });

  it('parses a snapshot with hidden results and an outcome', () => {
    const snap = {
      pollId: uuid(1),
      kind: 'motion',
      state: 'closed',
      version: 4,
      electorates: [
        {
          electorate: 'members',
          electorateSize: 9,
          electorateKnown: true,
          online: 4,
          inRoom: 3,
          turnout: 7,
          inRoomEnteredBy: uuid(2),
          results: null,
          outcome: {
            kind: 'passed',
            basis: { quorum: { required: 5, actual: 7, met: true }, threshold: { support: 5, base: 7, required: 5 } },
          },
          warning: null,
        },
      ],
    };
    expect(TallySnapshot.parse(snap)).toEqual(snap);
  });

  it('in-room counts need who entered them', () => {
    const counts = { electorate: 'members', ballots: 2, counts: [{ option: 'yes', count: 2 }], voters: [uuid(4), uuid(5)] };
    expect(InRoomCounts.safeParse(counts).success).toBe(false);
    expect(InRoomCounts.safeParse({ ...counts, enteredBy: uuid(3) }).success).toBe(true);
  });
});
