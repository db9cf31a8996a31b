import { compactConsensusFigures, emptyDistribution, publicConsensus, type ConsensusRule } from '@yishi/domain';
import type { ConsensusCheck, ConsensusCheckId, ConsensusFigures, ConsensusLiveView, ConsensusView, Group, MeetingId } from '@yishi/protocol';
import type { Store } from '../../storage/store.ts';
import { recordedAttendance } from '../attendance/tracker.ts';
import { membersInput, RESIDENTS_KEY, type Aggregate, type StoredOutcome } from './store.ts';

/** The figures of an aggregate that everyone may see: the domain's suppression, the groups named. */
export function figuresOf(aggregate: Aggregate, rule: ConsensusRule, groups: readonly Group[], residents: boolean): ConsensusFigures {
  const input = membersInput(
    aggregate.groups,
    groups.map((g) => g.id),
    aggregate.membersPresent,
  );
  const f = publicConsensus(input, rule, residents ? (aggregate.groups[RESIDENTS_KEY] ?? emptyDistribution()) : null);
  const byId = new Map(groups.map((g) => [g.id as string, g]));
  return {
    ...f,
    groups: f.groups.map((g) => ({ ...g, name: byId.get(g.groupId)!.name, builtin: byId.get(g.groupId)!.builtin })),
  };
}

/**
 * The `consensus` view of a meeting: every check, oldest first, with counts only (names only in
 * a named check), small groups hidden, the rule's state, the rounds and the outcome.
 */
export async function computeConsensusView(store: Store, meetingId: MeetingId): Promise<ConsensusView> {
  const records = await store.consensus.forMeeting(meetingId);
  if (records.length === 0) return { checks: [] };
  const meeting = await store.meetings.get(meetingId);
  const council = await store.councils.get(meeting.councilId);
  const open = records.some((r) => r.check.state === 'open');
  const present = open ? (await recordedAttendance(store, meetingId, { council })).quorum.present : 0;
  const memberNames = new Map(council.members.map((m) => [`m:${m.id}`, m.name]));
  const residentIds = records.flatMap((r) => (r.positions ?? []).filter((p) => p.participant.startsWith('r:')).map((p) => p.participant.slice(2)));
  const residentNames = await store.consensus.residentNames(residentIds);
  const checks = records.map(({ check, proposals, rounds, live, positions, statements }): ConsensusCheck => {
    const outcome = check.outcome as StoredOutcome | null;
    const aggregate: Aggregate = check.state === 'open' || !outcome ? { groups: live, membersPresent: present } : outcome.aggregate;
    const current = proposals.find((p) => p.version === check.proposalVersion) ?? proposals[proposals.length - 1]!;
    return {
      id: check.id as ConsensusCheckId,
      meetingId,
      itemId: check.itemId,
      state: check.state as 'open' | 'closed',
      named: check.named,
      residents: check.residents,
      round: check.round,
      roundRecorded: rounds.some((r) => r.round === check.round),
      proposal: { version: current.version, text: current.text },
      proposals: proposals.map((p) => ({ version: p.version, text: p.text, at: p.at.toISOString() })),
      rule: check.rule,
      openedAt: check.openedAt.toISOString(),
      figures: figuresOf(aggregate, check.rule, council.groups, check.residents),
      rounds: rounds.map((r) => ({
        round: r.round,
        proposalVersion: r.proposalVersion,
        recordedAt: r.recordedAt.toISOString(),
        figures: figuresOf(r.aggregate, check.rule, council.groups, check.residents),
      })),
      positions: positions
        ? positions.map((p) => ({
            name: (p.participant.startsWith('r:') ? residentNames.get(p.participant.slice(2)) : memberNames.get(p.participant)) ?? '?',
            groupId: p.groupKey === RESIDENTS_KEY ? null : p.groupKey,
            level: p.level,
          }))
        : null,
      statements: statements.map((s) => ({ name: s.name, kind: s.kind, text: s.text, round: s.round, at: s.at.toISOString() })),
      outcome: outcome && check.closedAt ? { reached: outcome.reached, text: outcome.text, closedAt: check.closedAt.toISOString() } : null,
      pollId: check.pollId,
    };
  });
  return { checks };
}

/**
 * The `consensus_live` view: what a position changes (the open checks' figures, a named check's
 * positions), the same privacy as the full view since it is cut from it.
 */
export function liveOf(view: ConsensusView): ConsensusLiveView {
  return {
    checks: view.checks
      .filter((c) => c.state === 'open')
      .map((c) => ({ id: c.id, figures: compactConsensusFigures(c.figures), positions: c.positions })),
  };
}
