import type { ConsensusFigures, ConsensusLiveView, ConsensusView, LiveConsensusFigures } from '@yishi/protocol';

type Criterion = ConsensusFigures['state']['criteria'][number];
type Group = ConsensusFigures['groups'][number];
const HIDDEN = [null, 'small', 'merged'] as const;

/**
 * A check's figures in the compact form of the `consensus_live` view: groups as arrays in their
 * order (ids and names stay in the full view), reasons as tuples. The full form, pushed to
 * 5,000 phones four times a second, was mostly repeated keys and names.
 */
export function compactConsensusFigures(f: ConsensusFigures): LiveConsensusFigures {
  const index = new Map(f.groups.map((g, i) => [g.groupId, i]));
  return {
    n: f.participants,
    overall: f.overall,
    groups: f.groups.map((g) => [g.participants, g.counts, g.hidden === 'small' ? 1 : g.hidden === 'merged' ? 2 : 0]),
    residents: f.residents ? [f.residents.participants, f.residents.counts] : null,
    present: f.membersPresent,
    reached: f.state.reached,
    criteria: f.state.criteria.map((c): LiveConsensusFigures['criteria'][number] => {
      switch (c.kind) {
        case 'no_block':
          return ['no_block', c.met, c.blocks];
        case 'members_agree':
          return ['members_agree', c.met, c.percent, c.required];
        case 'group_agree':
          return ['group_agree', c.met, index.get(c.groupId)!, c.percent, c.required];
        case 'hidden_groups_agree':
          return ['hidden_groups_agree', c.met, c.groups, c.required];
        case 'participation':
          return ['participation', c.met, c.participating, c.present, c.percent, c.required];
      }
    }),
  };
}

/**
 * The full figures back, the groups named from `groups` (the full view's, same order). Null
 * when they do not match (the council's groups changed between the two snapshots): the caller
 * keeps the full view's own figures rather than put counts under the wrong name.
 */
export function expandConsensusFigures(live: LiveConsensusFigures, groups: readonly Group[]): ConsensusFigures | null {
  if (live.groups.length !== groups.length) return null;
  const criteria = live.criteria.map((c): Criterion => {
    switch (c[0]) {
      case 'no_block':
        return { kind: 'no_block', met: c[1], blocks: c[2] };
      case 'members_agree':
        return { kind: 'members_agree', met: c[1], percent: c[2], required: c[3] };
      case 'group_agree':
        return { kind: 'group_agree', met: c[1], groupId: groups[c[2]]?.groupId ?? '', percent: c[3], required: c[4] };
      case 'hidden_groups_agree':
        return { kind: 'hidden_groups_agree', met: c[1], groups: c[2], required: c[3] };
      case 'participation':
        return { kind: 'participation', met: c[1], participating: c[2], present: c[3], percent: c[4], required: c[5] };
    }
  });
  return {
    participants: live.n,
    overall: live.overall,
    groups: groups.map((g, i) => {
      const [participants, counts, hidden] = live.groups[i]!;
      return { groupId: g.groupId, name: g.name, builtin: g.builtin, participants, counts, hidden: HIDDEN[hidden] };
    }),
    residents: live.residents ? { participants: live.residents[0], counts: live.residents[1] } : null,
    membersPresent: live.present,
    state: { reached: live.reached, criteria },
  };
}

/**
 * The `consensus` view with each open check's figures (and a named check's positions) taken from
 * the `consensus_live` view when that is the newer snapshot: positions push only the live view,
 * the full one goes out when the proposal, rounds or statements change. Both versions come from
 * the same sequence, so the higher one saw the later state. A closed check keeps its own figures.
 */
export function withLiveConsensus(
  full: { version: number; data: ConsensusView },
  live: { version: number; data: ConsensusLiveView } | null | undefined,
): ConsensusView {
  if (!live || live.version <= full.version || live.data.checks.length === 0) return full.data;
  const byId = new Map(live.data.checks.map((c) => [c.id as string, c]));
  return {
    checks: full.data.checks.map((check) => {
      const hot = byId.get(check.id);
      if (!hot || check.state !== 'open') return check;
      const figures = expandConsensusFigures(hot.figures, check.figures.groups);
      return figures ? { ...check, figures, positions: hot.positions } : check;
    }),
  };
}
