import { nextInQueue, queueOrder } from '@yishi/domain';
import { DEFAULT_FLOOR_LIMITS } from '@yishi/protocol/constants';
import type { CouncilId, GroupId, MemberId } from '@yishi/protocol';
import { expect, it } from 'vitest';
import type { StoreCase } from '../../storage/acceptance-context.ts';
import type { FloorPerson } from './store.ts';

const ITEM = 'item-1';

/** The floor's records: the queue, calls, timers in the database's clock, the item's record; run on each driver. */
export function floorStoreAcceptance(t: StoreCase): void {
  let admin: FloorPerson;
  const waitingIds = async () => queueOrder((await t.store.floor.read(t.meetingId, ITEM)).rows.filter((r) => r.state === 'waiting')).map((r) => r.id);

  it("keeps the meeting's rules, the defaults until set", async () => {
    const m = await t.store.councils.memberById(t.adminId);
    admin = { kind: 'member', memberId: t.adminId, name: m!.name, groupId: m!.groupId as GroupId };
    expect(await t.store.floor.rules(t.meetingId)).toEqual({ residentsMaySpeak: false, limits: DEFAULT_FLOOR_LIMITS, displayMode: 'auto' });
    await t.store.floor.setRules(t.meetingId, { limits: { speak: 120 }, residentsMaySpeak: true }, t.adminId);
    expect(await t.store.floor.rules(t.meetingId)).toEqual({
      residentsMaySpeak: true,
      limits: { ...DEFAULT_FLOOR_LIMITS, speak: 120 },
      displayMode: 'auto',
    });
    // The display's mode is kept apart from the rules: setting one leaves the other.
    await t.store.floor.setDisplayMode(t.meetingId, 'join', t.adminId);
    expect(await t.store.floor.rules(t.meetingId)).toEqual({
      residentsMaySpeak: true,
      limits: { ...DEFAULT_FLOOR_LIMITS, speak: 120 },
      displayMode: 'join',
    });
    await t.store.floor.setRules(t.meetingId, { residentsMaySpeak: true }, t.adminId);
    expect((await t.store.floor.rules(t.meetingId)).displayMode).toBe('join');
  });

  it('queues hands once per person, puts a point of order first, follows a reorder, and refuses a stale one', async () => {
    const residentId = await t.store.meetings.createResident(t.meetingId, '刘阿姨');
    const a = await t.store.floor.raise(t.meetingId, ITEM, 'speak', admin, null);
    await expect(t.store.floor.raise(t.meetingId, ITEM, 'question', admin, null)).rejects.toMatchObject({ code: 'already_in_queue' });
    const r = await t.store.floor.raise(t.meetingId, ITEM, 'question', { kind: 'resident', residentId, name: '刘阿姨' }, null);
    const g = await t.store.floor.raise(t.meetingId, ITEM, 'point_of_order', { kind: 'guest', name: '街道办小陈' }, t.adminId);
    expect(await waitingIds()).toEqual([g, a, r]);
    // Another item has its own list.
    const other = await t.store.floor.raise(t.meetingId, 'item-2', 'speak', admin, null);
    expect(await waitingIds()).not.toContain(other);

    await t.store.floor.reorder(t.meetingId, ITEM, [r, a, g], t.adminId);
    expect(await waitingIds()).toEqual([g, r, a]); // the point of order stays on top
    await expect(t.store.floor.reorder(t.meetingId, ITEM, [r, a], t.adminId)).rejects.toMatchObject({ code: 'conflict' });
    expect(await waitingIds()).toEqual([g, r, a]);

    // Only its owner lowers a hand; the facilitator removes one.
    await expect(t.store.floor.lower(t.meetingId, a, { residentId })).rejects.toMatchObject({ code: 'forbidden' });
    await t.store.floor.lower(t.meetingId, r, { residentId });
    await expect(t.store.floor.lower(t.meetingId, r, { residentId })).rejects.toMatchObject({ code: 'not_found' });
    await t.store.floor.remove(t.meetingId, g, t.adminId);
    expect(await waitingIds()).toEqual([a]);
  });

  it("calls the next speaker with a timer in the database's clock, ends the speech under way, and keeps the item's record", async () => {
    const guest = await t.store.floor.raise(t.meetingId, ITEM, 'point_of_order', { kind: 'guest', name: '小陈' }, t.adminId);
    const first = await t.store.floor.call(t.meetingId, ITEM, undefined, nextInQueue, t.adminId);
    expect(first).toBe(guest);
    let floor = await t.store.floor.read(t.meetingId, ITEM);
    expect(floor.current).toMatchObject({ id: guest, state: 'speaking', limitSeconds: DEFAULT_FLOOR_LIMITS.point_of_order });
    expect(Math.abs(floor.now - floor.current!.startedAt!)).toBeLessThan(10_000);

    const waiting = floor.rows.find((r) => r.state === 'waiting')!;
    await t.store.floor.call(t.meetingId, ITEM, waiting.id, nextInQueue, t.adminId);
    floor = await t.store.floor.read(t.meetingId, ITEM);
    expect(floor.current).toMatchObject({ id: waiting.id, limitSeconds: 120 });
    expect(floor.rows.filter((r) => r.state === 'spoken').map((r) => r.id)).toEqual([guest]);
    await expect(t.store.floor.call(t.meetingId, ITEM, undefined, nextInQueue, t.adminId)).rejects.toMatchObject({ code: 'not_found' });
    expect((await t.store.floor.read(t.meetingId, ITEM)).current?.id).toBe(waiting.id); // nothing changed

    await t.store.floor.end(t.meetingId, t.adminId);
    await expect(t.store.floor.end(t.meetingId, t.adminId)).rejects.toMatchObject({ code: 'not_found' });
    floor = await t.store.floor.read(t.meetingId, ITEM);
    expect(floor.current).toBeNull();
    const record = floor.rows.filter((r) => r.state === 'spoken');
    expect(record.map((r) => [r.id, r.kind])).toEqual([
      [guest, 'point_of_order'],
      [waiting.id, 'speak'],
    ]);
    expect(record.every((r) => r.endedAt! >= r.startedAt!)).toBe(true);
  });

  it("closes and reopens an item's list", async () => {
    await t.store.floor.setClosed(t.meetingId, ITEM, true, t.adminId);
    await expect(t.store.floor.raise(t.meetingId, ITEM, 'speak', admin, null)).rejects.toMatchObject({ code: 'floor_closed' });
    expect((await t.store.floor.read(t.meetingId, ITEM)).closed).toBe(true);
    await t.store.floor.setClosed(t.meetingId, ITEM, false, t.adminId);
    expect(await t.store.floor.raise(t.meetingId, ITEM, 'speak', admin, null)).toBeTypeOf('string');
  });

  it('lands hands raised at once by different people, each once', async () => {
    const groupId = (admin as { groupId: GroupId }).groupId;
    const ids: MemberId[] = [];
    for (let i = 0; i < 8; i++)
      ids.push(
        await t.store.councils.createMember(
          t.councilId as CouncilId,
          { name: `并发${i}`, groupId, role: 'member' },
          `floor-acceptance-${i}-${t.meetingId}`,
        ),
      );
    const raised = await Promise.allSettled(
      [...ids, ...ids].map((memberId) => t.store.floor.raise(t.meetingId, 'item-3', 'speak', { kind: 'member', memberId, name: 'x', groupId }, null)),
    );
    expect(raised.filter((r) => r.status === 'fulfilled')).toHaveLength(ids.length);
    for (const r of raised) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'already_in_queue' });
    const queue = (await t.store.floor.read(t.meetingId, 'item-3')).rows.filter((r) => r.state === 'waiting');
    expect(new Set(queue.map((r) => (r.speaker as { memberId: string }).memberId)).size).toBe(ids.length);
  });
}
