import fc from 'fast-check';
import type { MemberId } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { checkQuorum, decideMotion, decideOutcome, requiredSupport, thresholdBase, withOutcomes } from './outcome.ts';
import { tallyElectorate, tallyPoll } from './tally.ts';
import { makePoll, opt, uuid } from './test-fixtures.ts';
import type { BallotChoice, MotionChoice, PollQuorum, Threshold, ThresholdShare } from '@yishi/protocol';

const majority: ThresholdShare = { kind: 'simple_majority' };
const twoThirds: ThresholdShare = { kind: 'two_thirds' };
const pct = (percent: number): ThresholdShare => ({ kind: 'percent', percent });
const rule = (share: ThresholdShare, base: Threshold['base'] = 'ballots_cast', abstentions: Threshold['abstentions'] = 'excluded'): Threshold => ({
  share,
  base,
  abstentions,
});
const present = (membersPresent: number, totalMembers = 10) => ({ membersPresent, totalMembers });

/** A motion's outcome from online ballots: yes, no, abstain counts. */
function motion(
  [yes, no, abstain]: [number, number, number],
  opts: { threshold?: Threshold; quorum?: PollQuorum; electorateSize?: number; membersPresent?: number } = {},
) {
  const poll = makePoll('motion', {
    rule: { threshold: opts.threshold ?? rule(majority), quorum: opts.quorum ?? { kind: 'none' } },
  });
  const pick = (choice: MotionChoice, n: number) => Array.from({ length: n }, (): BallotChoice => ({ kind: 'motion', choice }));
  const choices = [...pick('yes', yes), ...pick('no', no), ...pick('abstain', abstain)];
  const tally = tallyElectorate(poll, { electorate: 'members', electorateSize: opts.electorateSize ?? 50, choices });
  return decideOutcome(poll, tally, present(opts.membersPresent ?? 10));
}

describe('requiredSupport', () => {
  it('simple majority is more than half', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((b) => requiredSupport(majority, b))).toEqual([1, 1, 2, 2, 3, 3, 6]);
  });
  it('two-thirds is at least two thirds: 2 of 3', () => {
    expect([0, 1, 2, 3, 4, 6, 7, 9].map((b) => requiredSupport(twoThirds, b))).toEqual([1, 1, 2, 2, 3, 4, 5, 6]);
  });
  it('a percent is at least that share, exactly at it passes', () => {
    expect(requiredSupport(pct(60), 10)).toBe(6);
    expect(requiredSupport(pct(60), 11)).toBe(7);
    expect(requiredSupport(pct(50), 4)).toBe(2); // unlike simple majority, a half passes
    expect(requiredSupport(pct(100), 7)).toBe(7);
    expect(requiredSupport(pct(1), 0)).toBe(1);
  });
});

describe('motions', () => {
  it('passes exactly at the threshold and fails one short', () => {
    expect(motion([6, 4, 0], { threshold: rule(pct(60)) }).kind).toBe('passed');
    expect(motion([5, 5, 0], { threshold: rule(pct(60)) }).kind).toBe('failed');
    expect(motion([2, 1, 0], { threshold: rule(twoThirds) }).kind).toBe('passed'); // two-thirds of 3
    expect(motion([1, 2, 0], { threshold: rule(twoThirds) }).kind).toBe('failed');
    expect(motion([2, 2, 0]).kind).toBe('failed'); // a tie is not a majority
  });

  it('states the numbers it decided on', () => {
    expect(motion([2, 1, 0], { threshold: rule(twoThirds) })).toEqual({
      kind: 'passed',
      basis: { quorum: null, threshold: { support: 2, base: 3, required: 2 } },
    });
  });

  it('abstentions in the base weigh like no; excluded, they do not count', () => {
    expect(motion([3, 2, 2], { threshold: rule(majority, 'ballots_cast', 'excluded') }).kind).toBe('passed');
    expect(motion([3, 2, 2], { threshold: rule(majority, 'ballots_cast', 'in_base') }).kind).toBe('failed');
  });

  it('of the electorate, absent voters count against', () => {
    expect(motion([6, 0, 0], { threshold: rule(majority, 'electorate'), electorateSize: 12 }).kind).toBe('failed');
    expect(motion([7, 0, 0], { threshold: rule(majority, 'electorate'), electorateSize: 12 }).kind).toBe('passed');
    // Excluding abstentions takes abstainers out of the electorate too: 6 of (12 - 2).
    expect(motion([6, 0, 2], { threshold: rule(majority, 'electorate', 'excluded'), electorateSize: 12 }).kind).toBe('passed');
  });

  it('an electorate smaller than the ballots cast does not lower the bar', () => {
    expect(thresholdBase(rule(majority, 'electorate', 'in_base'), { yes: 3, no: 3, abstain: 0 }, 2)).toBe(6);
  });

  it('fails with no ballots and when all abstain, whatever the rule', () => {
    for (const share of [majority, twoThirds, pct(1), pct(100)]) {
      for (const base of ['ballots_cast', 'electorate'] as const) {
        for (const abstentions of ['in_base', 'excluded'] as const) {
          const threshold = rule(share, base, abstentions);
          expect(motion([0, 0, 0], { threshold }).kind).toBe('failed');
          expect(motion([0, 0, 5], { threshold }).kind).toBe('failed');
        }
      }
    }
  });
});

describe('quorum', () => {
  const cast = (count: number): PollQuorum => ({ kind: 'ballots_cast', min: { kind: 'count', count } });

  it('needs the ballots cast, exactly at the minimum is enough', () => {
    expect(motion([3, 0, 0], { quorum: cast(4) }).kind).toBe('no_quorum');
    expect(motion([3, 0, 1], { quorum: cast(4) }).kind).toBe('passed');
  });

  it('counts abstentions towards quorum: they were cast', () => {
    expect(motion([1, 0, 3], { quorum: cast(4) })).toMatchObject({
      kind: 'passed',
      basis: { quorum: { required: 4, actual: 4, met: true } },
    });
  });

  it('a zero minimum is met with no ballots, and the motion then fails on its threshold', () => {
    expect(motion([0, 0, 0], { quorum: cast(0) }).kind).toBe('failed');
    expect(motion([0, 0, 0], { quorum: cast(1) }).kind).toBe('no_quorum');
  });

  it('a share of the electorate is rounded up', () => {
    const half: PollQuorum = { kind: 'ballots_cast', min: { kind: 'share', percent: 50 } };
    expect(checkQuorum(half, { turnout: 3, electorateSize: 7 }, present(0))).toEqual({ required: 4, actual: 3, met: false });
    expect(checkQuorum(half, { turnout: 4, electorateSize: 7 }, present(0))?.met).toBe(true);
  });

  it('members present reads the attendance, its share is of all members', () => {
    const q: PollQuorum = { kind: 'members_present', min: { kind: 'share', percent: 50 } };
    expect(motion([5, 0, 0], { quorum: q, membersPresent: 4 }).kind).toBe('no_quorum');
    expect(motion([5, 0, 0], { quorum: q, membersPresent: 5 }).kind).toBe('passed');
    const fixed: PollQuorum = { kind: 'members_present', min: { kind: 'count', count: 6 } };
    expect(checkQuorum(fixed, { turnout: 0, electorateSize: 0 }, present(6))).toEqual({ required: 6, actual: 6, met: true });
  });

  it('no_quorum wins over every vote', () => {
    expect(motion([9, 0, 0], { quorum: cast(10) }).kind).toBe('no_quorum');
  });
});

describe('choice polls', () => {
  const single = (votes: number[], threshold: Threshold | null = null) => {
    const poll = makePoll('single', { options: votes.length, rule: { threshold } });
    const choices = votes.flatMap((n, i) => Array.from({ length: n }, (): BallotChoice => ({ kind: 'single', optionId: opt(i) })));
    return decideOutcome(poll, tallyElectorate(poll, { electorate: 'members', electorateSize: 30, choices }), present(10));
  };

  it('the plurality wins, level leaders tie, no votes fail', () => {
    expect(single([3, 5, 1])).toMatchObject({ kind: 'winner', optionId: opt(1) });
    expect(single([4, 4, 1])).toMatchObject({ kind: 'tie', optionIds: [opt(0), opt(1)] });
    expect(single([0, 0, 0]).kind).toBe('failed');
  });

  it('with a threshold, a plurality short of it fails', () => {
    expect(single([4, 3, 2], rule(majority)).kind).toBe('failed');
    expect(single([5, 3, 1], rule(majority))).toMatchObject({
      kind: 'winner',
      basis: { threshold: { support: 5, base: 9, required: 5 } },
    });
  });

  it('in-room hands count towards the winner', () => {
    const poll = makePoll('single', { options: 2 });
    const tally = tallyElectorate(poll, {
      electorate: 'members',
      electorateSize: 30,
      choices: [{ kind: 'single', optionId: opt(0) }],
      inRoom: {
        electorate: 'members',
        ballots: 2,
        counts: [{ option: opt(1), count: 2 }],
        voters: [],
        enteredBy: uuid(7) as MemberId,
      },
    });
    expect(decideOutcome(poll, tally, present(1))).toMatchObject({ kind: 'winner', optionId: opt(1) });
  });

  it('ranked: the runoff winner, or its tie; a threshold counts exhausted ballots in the base', () => {
    const ranked = (ballots: number[][], threshold: Threshold | null = null) => {
      const poll = makePoll('ranked', { rule: { threshold } });
      const choices = ballots.map((b): BallotChoice => ({ kind: 'ranked', ranking: b.map(opt) }));
      return decideOutcome(poll, tallyElectorate(poll, { electorate: 'members', electorateSize: 9, choices }), present(9));
    };
    expect(ranked([[0], [0], [1], [2, 1]])).toMatchObject({ kind: 'tie', optionIds: [opt(0), opt(1)] });
    expect(ranked([[0], [0], [1], [1], [2, 0]])).toMatchObject({ kind: 'winner', optionId: opt(0) });
    // opt(2) goes (level with opt(1), listed later) and its ballot exhausts: opt(0) wins with
    // 2 of 3 continuing ballots, but that is 2 of 4 cast, short of a majority of ballots cast.
    expect(ranked([[0], [0], [1, 2], [2]])).toMatchObject({ kind: 'winner', optionId: opt(0) });
    expect(ranked([[0], [0], [1, 2], [2]], rule(majority))).toMatchObject({
      kind: 'failed',
      basis: { threshold: { support: 2, base: 4, required: 3 } },
    });
    expect(ranked([]).kind).toBe('failed');
  });

  it('score: the best average wins; level is a tie; no ballots fail', () => {
    const score = (ballots: number[][]) => {
      const poll = makePoll('score', { options: 2 });
      const choices = ballots.map((b): BallotChoice => ({
        kind: 'score',
        scores: b.map((score, i) => ({ optionId: opt(i), score })),
      }));
      return decideOutcome(poll, tallyElectorate(poll, { electorate: 'members', electorateSize: 9, choices }), present(9));
    };
    expect(
      score([
        [5, 1],
        [0, 3],
      ]),
    ).toMatchObject({ kind: 'winner', optionId: opt(0) });
    expect(
      score([
        [2, 3],
        [3, 2],
      ]),
    ).toMatchObject({ kind: 'tie' });
    expect(score([]).kind).toBe('failed');
  });

  it('withOutcomes fills every electorate and refuses a hidden tally', () => {
    const poll = makePoll('single', { eligibility: 'everyone', options: 2 });
    const snap = tallyPoll(
      poll,
      [
        { electorate: 'members', electorateSize: 5, choices: [{ kind: 'single', optionId: opt(0) }] },
        { electorate: 'residents', electorateSize: 50, choices: [{ kind: 'single', optionId: opt(1) }] },
      ],
      { state: 'closed', version: 9 },
    );
    const done = withOutcomes(poll, snap, present(5));
    expect(done.electorates.map((e) => e.outcome)).toMatchObject([
      { kind: 'winner', optionId: opt(0) },
      { kind: 'winner', optionId: opt(1) },
    ]);
    expect(() => decideOutcome(poll, { ...snap.electorates[0]!, results: null }, present(5))).toThrow();
  });
});

// ---- properties ----

const share = fc.oneof(fc.constant(majority), fc.constant(twoThirds), fc.integer({ min: 1, max: 100 }).map(pct));
/** The rules as stated, in exact integer arithmetic. */
const meets = (s: ThresholdShare, support: number, base: number) =>
  s.kind === 'simple_majority' ? 2 * support > base : s.kind === 'two_thirds' ? 3 * support >= 2 * base : 100 * support >= s.percent * base;

describe('threshold and quorum properties', () => {
  it('requiredSupport is the least support of at least 1 that meets the stated rule', () => {
    fc.assert(
      fc.property(share, fc.nat({ max: 100_000 }), (s, base) => {
        const need = requiredSupport(s, base);
        expect(need).toBeGreaterThanOrEqual(1);
        expect(meets(s, need, base)).toBe(true);
        if (need > 1) expect(meets(s, need - 1, base)).toBe(false);
      }),
    );
  });

  it('a motion passes exactly when yes reaches the requirement, and one more yes never hurts', () => {
    const threshold = fc.record({
      share,
      base: fc.constantFrom('ballots_cast' as const, 'electorate' as const),
      abstentions: fc.constantFrom('in_base' as const, 'excluded' as const),
    });
    const counts = fc.record({ yes: fc.nat({ max: 200 }), no: fc.nat({ max: 200 }), abstain: fc.nat({ max: 200 }) });
    fc.assert(
      fc.property(threshold, counts, fc.nat({ max: 700 }), (t, c, size) => {
        const d = decideMotion(t, c, size);
        expect(d.passed).toBe(c.yes >= 1 && meets(t.share, c.yes, d.base));
        if (d.passed) expect(decideMotion(t, { ...c, yes: c.yes + 1 }, size).passed).toBe(true);
        if (c.yes === 0) expect(d.passed).toBe(false);
        expect(d.base).toBeGreaterThanOrEqual(c.yes);
      }),
    );
  });

  it('quorum is met exactly from the required number on', () => {
    const quorum = fc.oneof(
      fc.nat({ max: 500 }).map((count): PollQuorum => ({ kind: 'ballots_cast', min: { kind: 'count', count } })),
      fc.integer({ min: 1, max: 100 }).map((percent): PollQuorum => ({ kind: 'ballots_cast', min: { kind: 'share', percent } })),
    );
    fc.assert(
      fc.property(quorum, fc.nat({ max: 500 }), (q, size) => {
        const r = checkQuorum(q, { turnout: 0, electorateSize: size }, present(0))!;
        if (q.kind !== 'none' && q.min.kind === 'share') expect(100 * r.required).toBeGreaterThanOrEqual(q.min.percent * size);
        expect(checkQuorum(q, { turnout: r.required, electorateSize: size }, present(0))?.met).toBe(true);
        if (r.required > 0) expect(checkQuorum(q, { turnout: r.required - 1, electorateSize: size }, present(0))?.met).toBe(false);
      }),
    );
  });
});

describe('the council quorum binds members-only polls (issue 7)', () => {
  const poll = (quorum: PollQuorum = { kind: 'none' }, eligibility: 'members' | 'everyone' = 'members') =>
    makePoll('motion', { eligibility, rule: { threshold: rule(majority), quorum } });
  const yes = (poll: ReturnType<typeof makePoll>, n: number, electorate: 'members' | 'residents' = 'members') =>
    tallyElectorate(poll, {
      electorate,
      electorateSize: 4,
      choices: Array.from({ length: n }, (): BallotChoice => ({ kind: 'motion', choice: 'yes' })),
    });
  const attendance = (membersPresent: number) => ({ membersPresent, totalMembers: 4, councilQuorum: 3 });

  it('one member present of four, quorum three: no quorum, whatever the votes', () => {
    const p = poll();
    expect(decideOutcome(p, yes(p, 1), attendance(1))).toEqual({
      kind: 'no_quorum',
      basis: { quorum: { required: 3, actual: 1, met: false }, threshold: null },
    });
    expect(decideOutcome(p, yes(p, 1), attendance(3))).toMatchObject({ kind: 'passed', basis: { quorum: { required: 3, actual: 3, met: true } } });
  });

  it('a poll can only tighten it: a looser rule of its own does not lift it, a stricter one applies', () => {
    const looser = poll({ kind: 'members_present', min: { kind: 'count', count: 1 } });
    expect(decideOutcome(looser, yes(looser, 2), attendance(2)).kind).toBe('no_quorum');
    const stricter = poll({ kind: 'members_present', min: { kind: 'count', count: 4 } });
    expect(decideOutcome(stricter, yes(stricter, 3), attendance(3))).toMatchObject({
      kind: 'no_quorum',
      basis: { quorum: { required: 4, actual: 3 } },
    });
    expect(decideOutcome(stricter, yes(stricter, 3), attendance(4)).kind).toBe('passed');
  });

  it('advisory polls (everyone) are not bound by it', () => {
    const p = poll({ kind: 'none' }, 'everyone');
    expect(decideOutcome(p, yes(p, 1), attendance(1)).kind).toBe('passed');
    expect(decideOutcome(p, yes(p, 1, 'residents'), attendance(1)).kind).toBe('passed');
  });
});
