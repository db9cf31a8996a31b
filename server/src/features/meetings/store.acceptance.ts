import { expect, it } from 'vitest';
import type { StoreCase } from '../../storage/acceptance-context.ts';

/** Meetings: creation, join codes, the life cycle, in-room marks (sets the meeting the later cases use); run on each driver by storage/store.acceptance.ts, in order. */
export function meetingStoreAcceptance(t: StoreCase): void {
  it('creates a meeting in draft with a readable join code', async () => {
    t.meetingId = await t.store.meetings.create(
      t.councilId as never,
      { title: '电梯加装议题', startsAt: '2026-12-01T19:00:00+08:00', place: '社区活动室', mode: 'hybrid' },
      t.adminId,
    );
    const m = await t.store.meetings.get(t.meetingId);
    expect(m).toMatchObject({ state: 'draft', mode: 'hybrid', councilName: '幸福里社区议事会', version: 1 });
    expect(m.joinCode).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    expect((await t.store.meetings.byJoinCode(m.joinCode))?.id).toBe(t.meetingId);
    expect(await t.store.meetings.list(t.councilId as never)).toHaveLength(1);
  });

  it('moves a meeting only along its life cycle, bumping the version each time', async () => {
    await expect(t.store.meetings.transition(t.meetingId, 'closed', t.adminId)).rejects.toMatchObject({ code: 'invalid_transition' });
    const scheduled = await t.store.meetings.transition(t.meetingId, 'scheduled', t.adminId);
    expect(scheduled).toMatchObject({ state: 'scheduled', version: 2 });
    await expect(t.store.meetings.transition(t.meetingId, 'live', t.adminId, 1)).rejects.toMatchObject({ code: 'conflict' });
    const live = await t.store.meetings.transition(t.meetingId, 'live', t.adminId, 2);
    expect(live).toMatchObject({ state: 'live', version: 3 });
  });

  it('lets only one of two simultaneous transitions from the same state win', async () => {
    const results = await Promise.allSettled([
      t.store.meetings.transition(t.meetingId, 'adjourned', t.adminId),
      t.store.meetings.transition(t.meetingId, 'adjourned', t.adminId),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await t.store.meetings.get(t.meetingId)).state).toBe('adjourned');
    await t.store.meetings.transition(t.meetingId, 'live', t.adminId);
  });

  it('records attendance in the room, last mark wins', async () => {
    const c = await t.store.councils.get(t.councilId as never);
    const other = c.members.find((m) => m.id !== t.adminId)!;
    await t.store.meetings.markAttendance(t.meetingId, other.id, true, t.adminId);
    await t.store.meetings.markAttendance(t.meetingId, t.adminId, true, t.adminId);
    await t.store.meetings.markAttendance(t.meetingId, t.adminId, false, t.adminId);
    expect([...(await t.store.meetings.inRoomMemberIds(t.meetingId))]).toEqual([other.id]);
  });
}

/** A closed meeting's record is frozen (run after the polls' cases, which need it open). */
export function closedMeetingStoreAcceptance(t: StoreCase): void {
  it('refuses edits to a closed meeting', async () => {
    await t.store.meetings.transition(t.meetingId, 'closed', t.adminId);
    await expect(t.store.meetings.update(t.meetingId, { title: 'changed' })).rejects.toMatchObject({ code: 'meeting_closed' });
    expect((await t.store.meetings.get(t.meetingId)).title).toBe('电梯加装议题');
  });
}
