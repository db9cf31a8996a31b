// Values from the constants entry only: the web's settings form runs this, and must not bundle zod.
import { CONSENSUS_LIMITS } from '@yishi/protocol/constants';
import type { ConsensusRule } from './rule.ts';

/**
 * The whole-number bounds of each parameter, as the wire schema (protocol's ConsensusRule) has
 * them. Written here, not imported, because the schema is zod and the web must not bundle it;
 * rule-check.test.ts holds them to the schema's own bounds, value by value.
 */
export const CONSENSUS_RULE_BOUNDS = {
  agreePercent: { min: 1, max: 100 },
  groupPercent: { min: 0, max: 100 },
  participationPercent: { min: 0, max: 100 },
  suppressBelow: { min: CONSENSUS_LIMITS.minSuppressBelow, max: CONSENSUS_LIMITS.maxSuppressBelow },
} as const;

/** A parameter of the council's rule, as the settings form names its fields. */
export type RuleParam = keyof typeof CONSENSUS_RULE_BOUNDS;
export const RULE_PARAMS: readonly RuleParam[] = Object.keys(CONSENSUS_RULE_BOUNDS) as RuleParam[];

/** Why a value typed into the form cannot be the parameter: each says what would be accepted. */
export type RuleProblem =
  | { code: 'required'; min: number; max: number }
  | { code: 'not_whole'; min: number; max: number }
  | { code: 'too_low'; min: number; max: number }
  | { code: 'too_high'; min: number; max: number };

export type RuleCheck = { ok: true; rule: ConsensusRule } | { ok: false; problems: Partial<Record<RuleParam, RuleProblem>> };

/** A number input gives a number, or an empty string or null when empty; text is read as a decimal number. */
function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v.trim());
  return null;
}

/**
 * Checks a rule as typed into the settings form against the bounds of the wire schema
 * (protocol's ConsensusRule): it accepts exactly what
 * PATCH /api/council accepts, so a refused value is named next to its field before anything is
 * sent, and an accepted one is never refused by the server.
 */
export function checkConsensusRule(draft: Readonly<Record<RuleParam, unknown>>): RuleCheck {
  const problems: Partial<Record<RuleParam, RuleProblem>> = {};
  const rule = {} as ConsensusRule;
  for (const p of RULE_PARAMS) {
    const { min, max } = CONSENSUS_RULE_BOUNDS[p];
    const n = numberOf(draft[p]);
    if (n === null || Number.isNaN(n)) problems[p] = { code: 'required', min, max };
    else if (!Number.isInteger(n)) problems[p] = { code: 'not_whole', min, max };
    else if (n < min) problems[p] = { code: 'too_low', min, max };
    else if (n > max) problems[p] = { code: 'too_high', min, max };
    else rule[p] = n;
  }
  return Object.keys(problems).length ? { ok: false, problems } : { ok: true, rule };
}
