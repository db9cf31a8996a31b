import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONSENSUS_RULE,
  addDistributions,
  evaluateConsensus,
  normaliseRule,
  participantsOf,
  type ConsensusInput,
  type ConsensusRule,
  type Distribution,
} from './rule.ts';
import { publicConsensus } from './suppression.ts';

const d = (...n: number[]): Distribution => [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, n[3] ?? 0, n[4] ?? 0];
const groups = (...ds: Distribution[]) => ds.map((counts, i) => ({ groupId: `g${i}`, counts }));

const distribution = (max = 6) => fc.tuple(fc.nat(max), fc.nat(max), fc.nat(max), fc.nat(max), fc.nat(max)) as fc.Arbitrary<Distribution>;
/** Small groups on purpose: most of them under or near the threshold. */
const smallDistribution = fc.oneof(distribution(1), distribution(2), distribution(4));
const input: fc.Arbitrary<ConsensusInput> = fc
  .record({ ds: fc.array(smallDistribution, { minLength: 1, maxLength: 6 }), extraPresent: fc.nat(10) })
  .map(({ ds, extraPresent }) => ({ groups: groups(...ds), membersPresent: participantsOf(addDistributions(...ds)) + extraPresent }));
const rule: fc.Arbitrary<ConsensusRule> = fc.record({
  agreePercent: fc.integer({ min: 0, max: 100 }),
  groupPercent: fc.integer({ min: 0, max: 100 }),
  participationPercent: fc.integer({ min: 0, max: 100 }),
  suppressBelow: fc.integer({ min: 3, max: 6 }),
});

describe('the council rule', () => {
  it('is reached with the defaults when everyone present agrees and no one blocks', () => {
    const s = evaluateConsensus({ groups: groups(d(2, 1), d(1, 1, 1), d(0, 0, 2)), membersPresent: 8 }, DEFAULT_CONSENSUS_RULE);
    expect(s.reached).toBe(true);
    expect(s.criteria.every((c) => c.met)).toBe(true);
  });

  it('says which conditions fail, as data: a block, a group under its share, too few taking part', () => {
    // 物业 (g1): 1 of 3 at 1-3, 33% of 50%; one block; 7 of 20 present take part.
    const s = evaluateConsensus({ groups: groups(d(3), d(1, 0, 0, 1, 1)), membersPresent: 20 }, DEFAULT_CONSENSUS_RULE);
    expect(s.reached).toBe(false);
    expect(s.criteria).toEqual([
      { kind: 'no_block', met: false, blocks: 1 },
      { kind: 'members_agree', met: false, percent: 66, required: 75 },
      { kind: 'group_agree', met: true, groupId: 'g0', percent: 100, required: 50 },
      { kind: 'group_agree', met: false, groupId: 'g1', percent: 33, required: 50 },
      { kind: 'participation', met: false, participating: 6, present: 20, percent: 30, required: 50 },
    ]);
  });

  it('is never reached with no participants; shares are exact, not rounded', () => {
    expect(evaluateConsensus({ groups: groups(d()), membersPresent: 3 }, DEFAULT_CONSENSUS_RULE).reached).toBe(false);
    // 3 of 4 is exactly 75%: met. 2 of 3 (66.67%) is under 75%.
    const at75 = evaluateConsensus({ groups: groups(d(3, 0, 0, 1)), membersPresent: 4 }, DEFAULT_CONSENSUS_RULE);
    expect(at75.criteria.find((c) => c.kind === 'members_agree')!.met).toBe(true);
    const under = evaluateConsensus({ groups: groups(d(2, 0, 0, 1)), membersPresent: 3 }, DEFAULT_CONSENSUS_RULE);
    expect(under.criteria.find((c) => c.kind === 'members_agree')!.met).toBe(false);
  });

  it('normalises settings: the threshold never below 3, percents within 0-100', () => {
    expect(normaliseRule({ suppressBelow: 1, agreePercent: 140 })).toEqual({ ...DEFAULT_CONSENSUS_RULE, suppressBelow: 3, agreePercent: 100 });
    expect(normaliseRule(null)).toEqual(DEFAULT_CONSENSUS_RULE);
  });

  it('property: a block always prevents consensus', () => {
    fc.assert(
      fc.property(input, rule, fc.nat(5), (i, r, at) => {
        const g = i.groups[at % i.groups.length]!;
        g.counts[4] += 1;
        i.membersPresent += 1;
        expect(evaluateConsensus(i, r).reached).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('property: moving any participant toward agreement never turns reached into not reached', () => {
    fc.assert(
      fc.property(input, rule, fc.nat(100), fc.nat(4), fc.nat(4), (i, r, which, from, by) => {
        const g = i.groups[which % i.groups.length]!;
        const holders = [0, 1, 2, 3, 4].filter((l) => g.counts[l]! > 0);
        if (holders.length === 0) return;
        const fromLevel = holders[from % holders.length]!;
        const toLevel = Math.max(0, fromLevel - 1 - (by % (fromLevel + 1)));
        if (toLevel >= fromLevel) return;
        const before = evaluateConsensus(i, r).reached;
        const moved = { ...i, groups: i.groups.map((x) => (x === g ? { ...x, counts: [...x.counts] as Distribution } : x)) };
        const mg = moved.groups.find((x) => x.groupId === g.groupId)!;
        mg.counts[fromLevel]! -= 1;
        mg.counts[toLevel]! += 1;
        if (before) expect(evaluateConsensus(moved, r).reached).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * Every distribution of `n` participants that is at most `pool` at each level. The shown figures
 * leave exactly these possible for a hidden group of n whose pool (overall minus shown groups) is `pool`.
 */
function possibleDistributions(n: number, pool: Distribution): number {
  let count = 0;
  const walk = (level: number, left: number) => {
    if (level === 5) {
      if (left === 0) count++;
      return;
    }
    for (let k = 0; k <= Math.min(left, pool[level]!); k++) walk(level + 1, left - k);
  };
  walk(0, n);
  return count;
}

describe('small groups', () => {
  it('a group under the threshold shows only how many took part, and a lone one is pooled with another', () => {
    // 物业 (g1) has 2 participants: hidden. Alone, overall - g0 - g2 would give it away: g2 (smallest shown) joins the pool.
    const f = publicConsensus({ groups: groups(d(3, 2), d(0, 0, 0, 1, 1), d(1, 1, 1)), membersPresent: 10 }, DEFAULT_CONSENSUS_RULE);
    expect(f.groups.map((g) => [g.participants, g.hidden])).toEqual([
      [5, null],
      [2, 'small'],
      [3, 'merged'],
    ]);
    expect(f.groups[1]!.counts).toBeNull();
    expect(f.overall).toEqual(d(4, 3, 1, 1, 1));
    // Reasons in words need no hidden percent: 物业 and its pool are one condition.
    expect(f.state.criteria.map((c) => c.kind)).toEqual(['no_block', 'members_agree', 'group_agree', 'hidden_groups_agree', 'participation']);
  });

  it('withholds the overall distribution when no pool can hide a small group', () => {
    const f = publicConsensus({ groups: groups(d(1), d(0, 1)), membersPresent: 2 }, DEFAULT_CONSENSUS_RULE);
    expect(f.overall).toBeNull();
    expect(f.participants).toBe(2);
    expect(f.state.criteria[0]).toEqual({ kind: 'no_block', met: true, blocks: null });
  });

  it('residents are tallied apart and hidden under the threshold on their own', () => {
    expect(publicConsensus({ groups: groups(d(3)), membersPresent: 3 }, DEFAULT_CONSENSUS_RULE, d(1, 1)).residents).toEqual({
      participants: 2,
      counts: null,
    });
    expect(publicConsensus({ groups: groups(d(3)), membersPresent: 3 }, DEFAULT_CONSENSUS_RULE, d(1, 1, 1)).residents).toEqual({
      participants: 3,
      counts: d(1, 1, 1),
    });
  });

  it('property: the overall counts equal the sum over groups, hidden or not', () => {
    fc.assert(
      fc.property(input, rule, (i, r) => {
        const f = publicConsensus(i, r);
        const truth = addDistributions(...i.groups.map((g) => g.counts));
        expect(f.participants).toBe(participantsOf(truth));
        expect(f.participants).toBe(f.groups.reduce((a, g) => a + g.participants, 0));
        if (f.overall) expect(f.overall).toEqual(truth);
        for (const g of f.groups) if (g.counts) expect(participantsOf(g.counts)).toBe(g.participants);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: no subtraction of shown figures tells a hidden group its distribution', () => {
    fc.assert(
      fc.property(input, rule, (i, r) => {
        const f = publicConsensus(i, r);
        const t = normaliseRule(r).suppressBelow;
        for (const g of f.groups) {
          // Under the threshold: never shown.
          if (g.participants > 0 && g.participants < t) expect(g.counts).toBeNull();
        }
        // Whatever one derives from the figures shown: the overall minus every shown group is the
        // hidden pool; each hidden group with participants must have at least two possible
        // distributions inside it. (Without the overall, nothing bounds them beyond their size.)
        if (f.overall) {
          const shown = addDistributions(...f.groups.filter((g) => g.counts).map((g) => g.counts!));
          const pool = f.overall.map((n, l) => n - shown[l]!) as Distribution;
          for (const g of f.groups) if (!g.counts && g.participants > 0) expect(possibleDistributions(g.participants, pool)).toBeGreaterThan(1);
        }
        // Percents are shown only for groups whose distribution is shown anyway, and the members'
        // share only with the overall distribution.
        for (const c of f.state.criteria) {
          if (c.kind === 'group_agree') expect(f.groups.find((g) => g.groupId === c.groupId)!.counts).not.toBeNull();
          if (c.kind === 'members_agree' && c.percent !== null) expect(f.overall).not.toBeNull();
          if (c.kind === 'no_block' && c.blocks !== null) expect(f.overall).not.toBeNull();
        }
        // Hiding changes what is shown, never the outcome.
        expect(f.state.reached).toBe(evaluateConsensus(i, r).reached);
      }),
      { numRuns: 3000 },
    );
  });
});
