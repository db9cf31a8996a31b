import type { Quorum } from '@yishi/protocol';

/** How many members must be present for the council's quorum rule. */
export function quorumRequired(rule: Quorum, totalMembers: number): number {
  switch (rule.kind) {
    case 'count':
      return rule.count;
    case 'share':
      // Rounded up: a 50% quorum of 7 members needs 4, not 3.5.
      return Math.ceil((rule.percent * totalMembers) / 100);
  }
}

export function quorumStatus(rule: Quorum, totalMembers: number, present: number) {
  const required = quorumRequired(rule, totalMembers);
  return { required, present, members: totalMembers, met: present >= required };
}
