import { describe, expect, it } from 'vitest';
import type { CouncilId, MeetingId } from '@yishi/protocol';
import { can, canMarkAttendance, type Principal } from './permissions.ts';

const X = 'c0000000-0000-4000-8000-000000000001' as CouncilId;
const Y = 'c0000000-0000-4000-8000-000000000002' as CouncilId;
const M = 'a0000000-0000-4000-8000-000000000001' as MeetingId;
const N = 'a0000000-0000-4000-8000-000000000002' as MeetingId;
const member = (role: 'admin' | 'facilitator' | 'secretary' | 'member', councilId = X): Principal => ({ kind: 'member', councilId, role });

describe('permissions', () => {
  it('lets only admins manage the council', () => {
    expect(can(member('admin'), 'council.manage', { councilId: X })).toBe(true);
    for (const r of ['facilitator', 'secretary', 'member'] as const) expect(can(member(r), 'council.manage', { councilId: X })).toBe(false);
  });

  it('lets admins and facilitators run meetings, not secretaries or members', () => {
    expect(can(member('facilitator'), 'meeting.run', { councilId: X, meetingId: M })).toBe(true);
    expect(can(member('secretary'), 'meeting.run', { councilId: X, meetingId: M })).toBe(false);
    expect(can(member('member'), 'meeting.run', { councilId: X, meetingId: M })).toBe(false);
  });

  it('never lets a member of council X act on council Y, whatever the role', () => {
    for (const r of ['admin', 'facilitator', 'secretary', 'member'] as const)
      for (const a of ['council.manage', 'meeting.create', 'meeting.run', 'poll.run', 'meeting.view'] as const)
        expect(can(member(r, Y), a, { councilId: X, meetingId: M })).toBe(false);
    expect(canMarkAttendance(member('admin', Y), { councilId: X })).toBe(false);
  });

  it('lets a resident view only the meeting they joined, and do nothing else', () => {
    const resident: Principal = { kind: 'resident', meetingId: M };
    expect(can(resident, 'meeting.view', { councilId: X, meetingId: M })).toBe(true);
    expect(can(resident, 'meeting.view', { councilId: X, meetingId: N })).toBe(false);
    expect(can(resident, 'meeting.run', { councilId: X, meetingId: M })).toBe(false);
    expect(canMarkAttendance(resident, { councilId: X })).toBe(false);
  });

  it('lets the secretary run votes but not the meeting, and members neither', () => {
    expect(can(member('secretary'), 'poll.run', { councilId: X, meetingId: M })).toBe(true);
    expect(can(member('member'), 'poll.run', { councilId: X, meetingId: M })).toBe(false);
    expect(can(member('facilitator', Y), 'poll.run', { councilId: X, meetingId: M })).toBe(false);
    expect(can({ kind: 'resident', meetingId: M }, 'poll.run', { councilId: X, meetingId: M })).toBe(false);
  });

  it('lets the secretary keep attendance', () => {
    expect(canMarkAttendance(member('secretary'), { councilId: X })).toBe(true);
    expect(canMarkAttendance(member('member'), { councilId: X })).toBe(false);
  });
});
