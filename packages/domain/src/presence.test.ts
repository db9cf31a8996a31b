import { describe, expect, it } from 'vitest';
import type { Group, GroupId, Member, MemberId } from '@yishi/protocol';
import { computePresence } from './presence.ts';

const g = (n: number, position: number): Group => ({
  id: `00000000-0000-4000-8000-00000000000${n}` as GroupId,
  name: `g${n}`,
  builtin: null,
  position,
});
const groups = [g(1, 0), g(2, 1)];
const m = (n: number, group: Group, name: string): Member => ({
  id: `10000000-0000-4000-8000-00000000000${n}` as MemberId,
  name,
  groupId: group.id,
  role: 'member',
  login: null,
});
const members = [m(1, groups[1]!, '乙'), m(2, groups[0]!, '甲'), m(3, groups[1]!, '丙'), m(4, groups[0]!, '丁')];

describe('presence', () => {
  it('counts a member once whether online, in the room or both', () => {
    const p = computePresence({
      members,
      groups,
      quorum: { kind: 'share', percent: 50 },
      onlineMemberIds: new Set([members[0]!.id, members[1]!.id]),
      inRoomMemberIds: new Set([members[1]!.id]),
      residentCount: 12,
    });
    expect(p.members).toHaveLength(2);
    expect(p.quorum).toEqual({ required: 2, present: 2, members: 4, met: true });
    expect(p.residents).toBe(12);
    expect(p.totalMembers).toBe(4);
    expect(p.members.find((x) => x.memberId === members[1]!.id)).toMatchObject({ online: true, inRoom: true });
  });

  it('lists members in group order, so every screen shows the same list', () => {
    const everyone = new Set(members.map((x) => x.id as string));
    const p = computePresence({
      members,
      groups,
      quorum: { kind: 'count', count: 3 },
      onlineMemberIds: everyone,
      inRoomMemberIds: new Set(),
      residentCount: 0,
    });
    expect(p.members.map((x) => x.groupId)).toEqual([groups[0]!.id, groups[0]!.id, groups[1]!.id, groups[1]!.id]);
  });

  it('ignores ids that are not members of the council', () => {
    const p = computePresence({
      members,
      groups,
      quorum: { kind: 'count', count: 1 },
      onlineMemberIds: new Set(['99999999-0000-4000-8000-000000000000']),
      inRoomMemberIds: new Set(),
      residentCount: 0,
    });
    expect(p.members).toEqual([]);
    expect(p.quorum.met).toBe(false);
  });
});
