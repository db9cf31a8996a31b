import type { Group, Member, Presence, Quorum } from '@yishi/protocol';
import { quorumStatus } from './quorum.ts';

export interface PresenceInput {
  members: readonly Member[];
  groups: readonly Group[];
  quorum: Quorum;
  /** Member ids with at least one live connection, on any instance. */
  onlineMemberIds: ReadonlySet<string>;
  /** Member ids the facilitator marked present in the room. */
  inRoomMemberIds: ReadonlySet<string>;
  /** Distinct residents connected now. */
  residentCount: number;
}

/**
 * Attendance against quorum. A member counts once whether online, in the room or both.
 * Members are listed in group order, then by name, so every screen shows the same list.
 */
export function computePresence(input: PresenceInput): Presence {
  const groupPos = new Map(input.groups.map((g) => [g.id as string, g.position]));
  const present = input.members
    .filter((m) => input.onlineMemberIds.has(m.id) || input.inRoomMemberIds.has(m.id))
    .map((m) => ({
      memberId: m.id,
      name: m.name,
      groupId: m.groupId,
      online: input.onlineMemberIds.has(m.id),
      inRoom: input.inRoomMemberIds.has(m.id),
    }))
    .sort((a, b) => (groupPos.get(a.groupId) ?? 0) - (groupPos.get(b.groupId) ?? 0) || a.name.localeCompare(b.name, 'zh-CN'));
  return {
    groups: [...input.groups].sort((a, b) => a.position - b.position),
    members: present,
    residents: input.residentCount,
    totalMembers: input.members.length,
    quorum: quorumStatus(input.quorum, input.members.length, present.length),
  };
}
