import { expect, it } from 'vitest';
import type { StoreCase } from '../../storage/acceptance-context.ts';

/** Sessions of members and residents; run on each driver by storage/store.acceptance.ts, in order. */
export function sessionStoreAcceptance(t: StoreCase): void {
  it('keeps sessions for members and residents, and forgets deleted ones', async () => {
    const residentId = await t.store.meetings.createResident(t.meetingId, '楼下的刘阿姨');
    await t.store.sessions.create('hash-member', { memberId: t.adminId });
    await t.store.sessions.create('hash-resident', { residentId });
    expect(await t.store.sessions.find('hash-member')).toMatchObject({ kind: 'member', memberId: t.adminId, role: 'admin' });
    expect(await t.store.sessions.find('hash-resident')).toMatchObject({ kind: 'resident', meetingId: t.meetingId, displayName: '楼下的刘阿姨' });
    await t.store.sessions.deleteForMember(t.adminId);
    expect(await t.store.sessions.find('hash-member')).toBeNull();
    expect(await t.store.sessions.find('nope')).toBeNull();
  });
}
