import { expect, it } from 'vitest';
import type { CouncilId, MeetingId, MemberId } from '@yishi/protocol';
import { MeetingStore } from './store.ts';
import { isUniqueViolation } from '../../storage/pg-errors.ts';
import type { Store } from '../../storage/store.ts';

/** Join-code collisions, recognised by SQLSTATE and constraint name on each driver (called from storage/store.acceptance.ts). */
export function joinCodeAcceptance(ctx: () => { store: Store; councilId: string; meetingId: MeetingId; adminId: MemberId }): void {
  it('retries a join code that is taken, recognising the collision by SQLSTATE 23505 and constraint name', async () => {
    const { store, councilId, meetingId, adminId } = ctx();
    const taken = (await store.meetings.get(meetingId)).joinCode;
    const body = { title: '撞码', startsAt: '2026-12-02T19:00:00+08:00', place: '', mode: 'hybrid' } as never;
    const offered = [taken, taken, 'ZZZ234'];
    let asked = 0;
    const retrying = new MeetingStore(store.db, () => offered[Math.min(asked++, offered.length - 1)]!);
    const id = await retrying.create(councilId as CouncilId, body, adminId);
    expect(asked).toBe(3);
    expect((await store.meetings.get(id)).joinCode).toBe('ZZZ234');

    // Always taken: gives up after a few attempts, with the database's own error.
    const stuck = new MeetingStore(store.db, () => taken);
    const err = await stuck.create(councilId as CouncilId, body, adminId).catch((e: unknown) => e);
    expect(isUniqueViolation(err, 'meetings_join_code_unique')).toBe(true);
    expect(isUniqueViolation(err, 'members_login_unique')).toBe(false);
    expect(
      isUniqueViolation(new Error('duplicate key value violates unique constraint "meetings_join_code_unique"'), 'meetings_join_code_unique'),
    ).toBe(false);
  });
}
