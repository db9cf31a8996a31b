import {
  addDistributions,
  evaluateConsensus,
  normaliseRule,
  participantsOf,
  type ConsensusInput,
  type ConsensusRule,
  type ConsensusState,
  type Criterion,
  type Distribution,
} from './rule.ts';

/**
 * Why a group's distribution is not shown: `small`, fewer participants than the council's
 * threshold; `merged`, complementary suppression (shown, it would let a small group's figures be
 * recovered by subtracting from the overall ones).
 */
export type Hidden = 'small' | 'merged';

export interface PublicGroup {
  groupId: string;
  participants: number;
  /** Null when hidden: only the number of participants shows. */
  counts: Distribution | null;
  hidden: Hidden | null;
}

/** What everyone may see of a check's positions: counts only, small groups protected. */
export interface PublicFigures {
  participants: number;
  /** The members' overall distribution; null when even that would reveal a small group. */
  overall: Distribution | null;
  groups: PublicGroup[];
  /** Residents (advisory, never in the rule), null when they do not take part. */
  residents: { participants: number; counts: Distribution | null } | null;
  membersPresent: number;
  /** The rule's state, its percents withheld where they would reveal a hidden group. */
  state: ConsensusState;
}

/** Only one level held: a pool like this tells each of its groups' distributions exactly. */
const unanimous = (d: Distribution): boolean => d.filter((n) => n > 0).length <= 1;

/**
 * The figures of a check that may be shown, under the council's threshold T (at least 3).
 *
 * A group with 1..T-1 participants shows only its number of participants. Since the overall
 * distribution is the sum over groups, the hidden groups' pooled distribution is always
 * overall - (the shown groups): it must not tell any hidden group's distribution. So while the
 * pool holds fewer than T participants, or only one level (which would tell every member of it
 * their level), the smallest shown group joins the pool (`merged`); if even all groups together
 * cannot make such a pool, the overall distribution is withheld too. Residents are advisory and
 * tallied apart (not part of the members' overall), so they are shown or hidden on their own.
 *
 * Percents in the rule's reasons follow the same line: a hidden group's share is not given
 * (its groups are summarised as one `hidden_groups_agree`), nor the members' share when the
 * overall distribution is withheld. Whether each condition is met is always given: whether
 * consensus is reached is public.
 */
export function publicConsensus(input: ConsensusInput, ruleIn: ConsensusRule, residents: Distribution | null = null): PublicFigures {
  const rule = normaliseRule(ruleIn);
  const t = rule.suppressBelow;
  const overall = addDistributions(...input.groups.map((g) => g.counts));
  const sizes = new Map(input.groups.map((g) => [g.groupId, participantsOf(g.counts)]));
  const hidden = new Map<string, Hidden>();
  for (const g of input.groups) {
    const n = sizes.get(g.groupId)!;
    if (n > 0 && n < t) hidden.set(g.groupId, 'small');
  }
  let overallShown = true;
  if (hidden.size > 0) {
    const pool = () => addDistributions(...input.groups.filter((g) => hidden.has(g.groupId)).map((g) => g.counts));
    const unsafe = () => {
      const p = pool();
      return participantsOf(p) < t || unanimous(p);
    };
    while (unsafe()) {
      // The smallest shown group with participants (ties by id, so the same figures give the same answer).
      const next = input.groups
        .filter((g) => !hidden.has(g.groupId) && sizes.get(g.groupId)! > 0)
        .sort((a, b) => sizes.get(a.groupId)! - sizes.get(b.groupId)! || (a.groupId < b.groupId ? -1 : 1))[0];
      if (!next) {
        overallShown = false;
        break;
      }
      hidden.set(next.groupId, 'merged');
    }
  }
  const state = evaluateConsensus(input, rule);
  const hiddenCriteria = state.criteria.filter((c) => c.kind === 'group_agree' && hidden.has(c.groupId));
  const criteria: Criterion[] = [];
  for (const c of state.criteria) {
    if (c.kind === 'members_agree' && !overallShown) criteria.push({ ...c, percent: null });
    else if (c.kind === 'no_block' && !overallShown) criteria.push({ ...c, blocks: null });
    else if (c.kind === 'group_agree' && hidden.has(c.groupId)) {
      if (c === hiddenCriteria[0])
        criteria.push({ kind: 'hidden_groups_agree', met: hiddenCriteria.every((h) => h.met), groups: hiddenCriteria.length, required: c.required });
    } else criteria.push(c);
  }
  const residentsN = residents ? participantsOf(residents) : 0;
  return {
    participants: participantsOf(overall),
    overall: overallShown ? overall : null,
    groups: input.groups.map((g) => ({
      groupId: g.groupId,
      participants: sizes.get(g.groupId)!,
      counts: hidden.has(g.groupId) ? null : ([...g.counts] as Distribution),
      hidden: hidden.get(g.groupId) ?? null,
    })),
    residents: residents ? { participants: residentsN, counts: residentsN > 0 && residentsN < t ? null : ([...residents] as Distribution) } : null,
    membersPresent: input.membersPresent,
    state: { reached: state.reached, criteria },
  };
}
