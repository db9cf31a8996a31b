import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsensusCheck, ConsensusFigures, ConsensusView } from '@yishi/protocol';
import { compactConsensusFigures, expandConsensusFigures, withLiveConsensus } from './live.ts';
import type { ConsensusRule, Distribution } from './rule.ts';
import { publicConsensus } from './suppression.ts';

const figures = (participants: number): ConsensusFigures => ({
  participants,
  overall: [participants, 0, 0, 0, 0],
  groups: [],
  residents: null,
  membersPresent: 10,
  state: { reached: true, criteria: [{ kind: 'no_block', met: true, blocks: 0 }] },
});

const check = (id: string, state: 'open' | 'closed', participants: number): ConsensusCheck =>
  ({
    id,
    meetingId: 'm',
    itemId: 'item-1',
    state,
    named: false,
    residents: false,
    round: 1,
    roundRecorded: false,
    proposal: { version: 1, text: '增设非机动车停放区' },
    proposals: [],
    rule: { agreePercent: 75, groupPercent: 50, participationPercent: 0, suppressBelow: 3 },
    openedAt: '2026-11-27T00:00:00.000Z',
    figures: figures(participants),
    rounds: [],
    positions: null,
    statements: [],
    outcome: null,
    pollId: null,
  }) as unknown as ConsensusCheck;

const full = (checks: ConsensusCheck[], version: number) => ({ version, data: { checks } satisfies ConsensusView });
const live = (version: number, ...checks: ConsensusCheck[]) => ({
  version,
  data: { checks: checks.map((c) => ({ id: c.id, figures: compactConsensusFigures(c.figures), positions: c.positions })) },
});

/** The figures as the server makes them: the domain's suppression, each group named. */
const named = (ds: Distribution[], residents: Distribution | null, present: number, rule: ConsensusRule): ConsensusFigures => {
  const f = publicConsensus({ groups: ds.map((counts, i) => ({ groupId: `g${i}`, counts })), membersPresent: present }, rule, residents);
  return { ...f, groups: f.groups.map((g, i) => ({ ...g, name: `组${i}`, builtin: i === 0 ? 'property' : null })) } as ConsensusFigures;
};
const distribution = fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4)) as fc.Arbitrary<Distribution>;

describe('the compact figures of the consensus_live view', () => {
  it('expand back to exactly the figures they were made from: hidden groups, every reason, residents', () => {
    fc.assert(
      fc.property(
        fc.array(distribution, { minLength: 1, maxLength: 6 }),
        fc.option(distribution, { nil: null }),
        fc.nat(30),
        fc.record({
          agreePercent: fc.integer({ min: 1, max: 100 }),
          groupPercent: fc.integer({ min: 0, max: 100 }),
          participationPercent: fc.integer({ min: 0, max: 100 }),
          suppressBelow: fc.integer({ min: 3, max: 6 }),
        }),
        (ds, residents, extra, rule) => {
          const present = ds.flat().reduce((a, b) => a + b, 0) + extra;
          const f = named(ds, residents, present, rule);
          const wire = JSON.parse(JSON.stringify(compactConsensusFigures(f)));
          expect(expandConsensusFigures(wire, f.groups)).toEqual(f);
        },
      ),
    );
  });

  it('are not applied over groups that no longer match the full view’s (the council’s groups changed)', () => {
    const rule = { agreePercent: 75, groupPercent: 50, participationPercent: 0, suppressBelow: 3 };
    const f = named(
      [
        [3, 0, 0, 0, 0],
        [1, 2, 0, 0, 0],
      ],
      null,
      6,
      rule,
    );
    expect(expandConsensusFigures(compactConsensusFigures(f), f.groups.slice(1))).toBeNull();
  });
});

describe('withLiveConsensus: the full consensus view with the newer live figures', () => {
  it('shows the live figures of an open check when they are newer, and keeps everything else of the full view', () => {
    const shown = withLiveConsensus(full([check('a', 'open', 2)], 10), live(11, check('a', 'open', 5)));
    expect(shown.checks[0]!.figures.participants).toBe(5);
    expect(shown.checks[0]!.proposal.text).toBe('增设非机动车停放区');
  });

  it('keeps the full view when it is the newer snapshot (a round recorded or positions reset after the last position)', () => {
    const shown = withLiveConsensus(full([check('a', 'open', 0)], 12), live(11, check('a', 'open', 5)));
    expect(shown.checks[0]!.figures.participants).toBe(0);
  });

  it('never replaces a closed check’s final figures, and leaves checks the live view does not carry alone', () => {
    const shown = withLiveConsensus(full([check('a', 'closed', 4), check('b', 'open', 1)], 10), live(11, check('a', 'open', 9)));
    expect(shown.checks.map((c) => c.figures.participants)).toEqual([4, 1]);
  });

  it('is the full view without a live one', () => {
    const f = full([check('a', 'open', 3)], 10);
    expect(withLiveConsensus(f, null)).toBe(f.data);
  });
});
