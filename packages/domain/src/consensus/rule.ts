// Values from the constants entry only: the web bundles this file, and must not bundle zod.
import { CONSENSUS_AGREE_MAX, CONSENSUS_BLOCK, CONSENSUS_LEVELS, CONSENSUS_LIMITS, CONSENSUS_RULE_DEFAULTS } from '@yishi/protocol/constants';

/** A level of the gradient: 1 wholehearted support ... 5 block. */
export type ConsensusLevel = (typeof CONSENSUS_LEVELS)[number];

/** How many participants hold each level: index 0 is level 1, index 4 is level 5 (block). */
export type Distribution = [number, number, number, number, number];

/** The council's rule for when a consensus check has reached consensus (council settings). */
export interface ConsensusRule {
  /** At least this share of participating members at 1-3. */
  agreePercent: number;
  /** In every stakeholder group with participants, at least this share at 1-3. */
  groupPercent: number;
  /** At least this share of the members present take part. */
  participationPercent: number;
  /** Groups with fewer participants show only how many took part (never below 3). */
  suppressBelow: number;
}

export const DEFAULT_CONSENSUS_RULE: ConsensusRule = { ...CONSENSUS_RULE_DEFAULTS };

/** The members' positions of one stakeholder group (residents are never a group here: they are advisory). */
export interface GroupPositions {
  groupId: string;
  counts: Distribution;
}

export interface ConsensusInput {
  groups: readonly GroupPositions[];
  /** Members present in the meeting (the attendance record), for the participation share. */
  membersPresent: number;
}

/**
 * One condition of the rule, as data the web renders in words. A percent is null where showing
 * it would reveal a group too small to show (see suppression.ts); `met` is always there, because
 * whether consensus is reached is public.
 */
export type Criterion =
  /** blocks: null where the overall distribution is withheld. */
  | { kind: 'no_block'; met: boolean; blocks: number | null }
  | { kind: 'members_agree'; met: boolean; percent: number | null; required: number }
  | { kind: 'group_agree'; met: boolean; groupId: string; percent: number | null; required: number }
  /** The groups shown only as a number of participants, together: whether all of them meet the group share. */
  | { kind: 'hidden_groups_agree'; met: boolean; groups: number; required: number }
  | { kind: 'participation'; met: boolean; participating: number; present: number; percent: number; required: number };

export interface ConsensusState {
  reached: boolean;
  /** Every condition in the rule's order; the unmet ones are the reasons it is not reached. */
  criteria: Criterion[];
}

export const emptyDistribution = (): Distribution => [0, 0, 0, 0, 0];

export function isConsensusLevel(level: unknown): level is ConsensusLevel {
  return typeof level === 'number' && (CONSENSUS_LEVELS as readonly number[]).includes(level);
}

export const participantsOf = (d: Distribution): number => d[0] + d[1] + d[2] + d[3] + d[4];
/** Participants at 1-3. */
export const agreeingOf = (d: Distribution): number => d.slice(0, CONSENSUS_AGREE_MAX).reduce((a, b) => a + b, 0);
export const blocksOf = (d: Distribution): number => d[CONSENSUS_BLOCK - 1] ?? 0;

export function addDistributions(...ds: Distribution[]): Distribution {
  const sum = emptyDistribution();
  for (const d of ds) for (let i = 0; i < 5; i++) sum[i]! += d[i]!;
  return sum;
}

/** Whole percent, rounded down (a share shown never overstates agreement). */
export const percentOf = (part: number, whole: number): number => (whole === 0 ? 0 : Math.floor((part * 100) / whole));
/** part / whole >= percent%, exactly (no rounding). */
const atLeast = (part: number, whole: number, percent: number): boolean => part * 100 >= percent * whole;

/** A rule from council settings, completed with the defaults and clamped to what the rule allows. */
export function normaliseRule(rule: Partial<ConsensusRule> | null | undefined): ConsensusRule {
  const r = { ...DEFAULT_CONSENSUS_RULE, ...(rule ?? {}) };
  const pct = (n: number) => Math.min(100, Math.max(0, Math.round(n)));
  return {
    agreePercent: pct(r.agreePercent),
    groupPercent: pct(r.groupPercent),
    participationPercent: pct(r.participationPercent),
    suppressBelow: Math.min(CONSENSUS_LIMITS.maxSuppressBelow, Math.max(CONSENSUS_LIMITS.minSuppressBelow, Math.round(r.suppressBelow))),
  };
}

/**
 * Whether a check has reached consensus under the council's rule, with every condition. The
 * full figures: what may be shown of them is publicConsensus's business (suppression.ts).
 */
export function evaluateConsensus(input: ConsensusInput, ruleIn: ConsensusRule): ConsensusState {
  const rule = normaliseRule(ruleIn);
  const overall = addDistributions(...input.groups.map((g) => g.counts));
  const participating = participantsOf(overall);
  const blocks = blocksOf(overall);
  const agreeing = agreeingOf(overall);
  const criteria: Criterion[] = [
    { kind: 'no_block', met: blocks === 0, blocks },
    {
      kind: 'members_agree',
      met: participating > 0 && atLeast(agreeing, participating, rule.agreePercent),
      percent: percentOf(agreeing, participating),
      required: rule.agreePercent,
    },
  ];
  for (const g of input.groups) {
    const n = participantsOf(g.counts);
    if (n === 0) continue;
    const a = agreeingOf(g.counts);
    criteria.push({
      kind: 'group_agree',
      met: atLeast(a, n, rule.groupPercent),
      groupId: g.groupId,
      percent: percentOf(a, n),
      required: rule.groupPercent,
    });
  }
  // Someone taking part who has left since still counts as taking part: the share never exceeds 100%.
  const present = Math.max(input.membersPresent, participating);
  criteria.push({
    kind: 'participation',
    met: participating > 0 && atLeast(participating, present, rule.participationPercent),
    participating,
    present,
    percent: percentOf(participating, present),
    required: rule.participationPercent,
  });
  return { reached: criteria.every((c) => c.met), criteria };
}
