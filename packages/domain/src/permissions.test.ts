import { describe, expect, it } from 'vitest';
import type { CouncilId, MeetingId, MemberId, ResidentId, Session } from '@yishi/protocol';
import { ACTIONS, can, isPrivileged, principalOf, type Principal } from './permissions.ts';

const X = 'c0000000-0000-4000-8000-000000000001' as CouncilId;
const Y = 'c0000000-0000-4000-8000-000000000002' as CouncilId;
const M = 'a0000000-0000-4000-8000-000000000001' as MeetingId;
const N = 'a0000000-0000-4000-8000-000000000002' as MeetingId;
const ROLES = ['admin', 'facilitator', 'secretary', 'member'] as const;
const member = (role: (typeof ROLES)[number], councilId = X): Principal => ({
  kind: 'member',
  memberId: 'b0000000-0000-4000-8000-000000000001' as MemberId,
  councilId,
  role,
  name: 'M',
});
const resident: Principal = { kind: 'resident', residentId: 'd0000000-0000-4000-8000-000000000001' as ResidentId, meetingId: M, displayName: 'R' };
const here = { councilId: X, meetingId: M };

describe('permissions', () => {
  it('lets only admins manage the council', () => {
    expect(can(member('admin'), 'council.manage', { councilId: X })).toBe(true);
    for (const r of ['facilitator', 'secretary', 'member'] as const) expect(can(member(r), 'council.manage', { councilId: X })).toBe(false);
  });

  it('lets admins and facilitators create, edit and run meetings, not secretaries or members', () => {
    for (const a of ['meeting.create', 'meeting.edit', 'meeting.run'] as const) {
      expect(can(member('admin'), a, here)).toBe(true);
      expect(can(member('facilitator'), a, here)).toBe(true);
      expect(can(member('secretary'), a, here)).toBe(false);
      expect(can(member('member'), a, here)).toBe(false);
    }
  });

  it('never lets a member of council X act on council Y, whatever the role', () => {
    for (const r of ROLES) for (const a of ACTIONS) expect(can(member(r, Y), a, here)).toBe(false);
  });

  it('lets a resident view, vote and post opinions only in the meeting they joined, and do nothing else', () => {
    const allowed = ['meeting.view', 'ballot.cast', 'opinion.post'];
    for (const a of allowed) expect(can(resident, a as (typeof ACTIONS)[number], here)).toBe(true);
    expect(can(resident, 'meeting.view', { councilId: X, meetingId: N })).toBe(false);
    expect(can(resident, 'opinion.post', { councilId: X, meetingId: N })).toBe(false);
    expect(can(resident, 'meeting.view', { councilId: X })).toBe(false);
    for (const a of ACTIONS.filter((a) => !allowed.includes(a))) expect(can(resident, a, here)).toBe(false);
  });

  it('lets facilitators, secretaries and admins moderate opinions; every member posts and reads the moderation log', () => {
    for (const r of ['admin', 'facilitator', 'secretary'] as const) expect(can(member(r), 'opinion.moderate', here)).toBe(true);
    expect(can(member('member'), 'opinion.moderate', here)).toBe(false);
    expect(can(resident, 'opinion.moderate', here)).toBe(false);
    expect(can(resident, 'opinion.log', here)).toBe(false);
    for (const r of ROLES) for (const a of ['opinion.post', 'opinion.log'] as const) expect(can(member(r), a, here)).toBe(true);
  });

  it('lets every member of the council view it, its meetings, and vote', () => {
    for (const r of ROLES) for (const a of ['council.view', 'meeting.view', 'ballot.cast'] as const) expect(can(member(r), a, here)).toBe(true);
  });

  it('lets the secretary run votes and keep attendance but not the meeting, and members neither', () => {
    expect(can(member('secretary'), 'poll.run', here)).toBe(true);
    expect(can(member('secretary'), 'attendance.mark', here)).toBe(true);
    expect(can(member('member'), 'poll.run', here)).toBe(false);
    expect(can(member('member'), 'attendance.mark', here)).toBe(false);
  });

  it('lets the admin, the facilitator and the secretary edit the agenda and notes, and no one else', () => {
    for (const r of ['admin', 'facilitator', 'secretary'] as const) expect(can(member(r), 'agenda.edit', here)).toBe(true);
    expect(can(member('member'), 'agenda.edit', here)).toBe(false);
    expect(can(member('admin'), 'agenda.edit', { councilId: 'c0000000-0000-4000-8000-000000000009' as CouncilId })).toBe(false);
  });

  it('lets admins and facilitators run the agenda; admins, facilitators and secretaries edit it; every member propose', () => {
    for (const r of ROLES) {
      expect(can(member(r), 'agenda.run', here)).toBe(r === 'admin' || r === 'facilitator');
      expect(can(member(r), 'agenda.edit', here)).toBe(r !== 'member');
      expect(can(member(r), 'agenda.propose', here)).toBe(true);
    }
    for (const a of ['agenda.run', 'agenda.edit', 'agenda.propose'] as const) expect(can(resident, a, here)).toBe(false);
  });

  it('calls privileged exactly the actions a plain member lacks', () => {
    for (const a of ACTIONS) expect(isPrivileged(a)).toBe(!can(member('member'), a, here));
  });

  it('lets nobody signed out do anything', () => {
    for (const a of ACTIONS) expect(can(null, a, here)).toBe(false);
  });

  it('reads the principal from a session as the web holds it', () => {
    expect(principalOf({ kind: 'anonymous', needsSetup: false })).toBeNull();
    expect(principalOf(null)).toBeNull();
    const s = {
      kind: 'member',
      member: { id: 'b0000000-0000-4000-8000-000000000001', name: 'M', groupId: 'g', role: 'secretary', login: null },
      council: { id: X },
    } as unknown as Session;
    expect(principalOf(s)).toEqual(member('secretary'));
    expect(
      principalOf({
        kind: 'resident',
        residentId: resident.kind === 'resident' ? resident.residentId : ('' as ResidentId),
        displayName: 'R',
        meetingId: M,
      }),
    ).toEqual(resident);
  });
});
