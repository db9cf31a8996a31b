import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsensusRule } from '@yishi/protocol';
import { CONSENSUS_RULE_DEFAULTS } from '@yishi/protocol/constants';
import { CONSENSUS_RULE_BOUNDS, checkConsensusRule, RULE_PARAMS } from './rule-check.ts';

/** Values a person may type, or a form may hand over: in and out of bounds, fractions, empties, text. */
const typed = fc.oneof(
  fc.integer({ min: -5, max: 120 }),
  fc.double({ min: -5, max: 120, noNaN: true }),
  fc.constantFrom('', ' ', null, undefined, '80', '2.5', 'abc', Number.NaN, Number.POSITIVE_INFINITY),
);
const drafts = fc.record(Object.fromEntries(RULE_PARAMS.map((p) => [p, typed])) as Record<(typeof RULE_PARAMS)[number], typeof typed>);

describe('the settings form check of the consensus rule', () => {
  it('has the bounds of the wire schema, parameter by parameter', () => {
    expect([...RULE_PARAMS].sort()).toEqual(Object.keys(ConsensusRule.shape).sort());
    for (const p of RULE_PARAMS) {
      const s = ConsensusRule.shape[p];
      expect({ min: s.minValue, max: s.maxValue, int: s.isInt }).toEqual({ ...CONSENSUS_RULE_BOUNDS[p], int: true });
    }
  });

  it('accepts the defaults', () => {
    expect(checkConsensusRule(CONSENSUS_RULE_DEFAULTS)).toEqual({ ok: true, rule: { ...CONSENSUS_RULE_DEFAULTS } });
  });

  it('names each refused field with why and what would be accepted', () => {
    const r = checkConsensusRule({ agreePercent: 150, groupPercent: '', participationPercent: 12.5, suppressBelow: 2 });
    expect(r).toEqual({
      ok: false,
      problems: {
        agreePercent: { code: 'too_high', min: 1, max: 100 },
        groupPercent: { code: 'required', min: 0, max: 100 },
        participationPercent: { code: 'not_whole', min: 0, max: 100 },
        suppressBelow: { code: 'too_low', min: 3, max: 50 },
      },
    });
  });

  it('accepts exactly what the wire schema accepts, with the same values', () => {
    fc.assert(
      fc.property(drafts, (draft) => {
        const mine = checkConsensusRule(draft);
        // The form sends numbers: compare with the schema on what it would send.
        const sent = Object.fromEntries(RULE_PARAMS.map((p) => [p, typeof draft[p] === 'string' && draft[p].trim() ? Number(draft[p]) : draft[p]]));
        const wire = ConsensusRule.safeParse(sent);
        expect(mine.ok).toBe(wire.success);
        if (mine.ok && wire.success) expect(mine.rule).toEqual(wire.data);
        if (!mine.ok && !wire.success) {
          const refused = new Set(wire.error.issues.map((i) => String(i.path[0])));
          expect(new Set(Object.keys(mine.problems))).toEqual(refused);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
