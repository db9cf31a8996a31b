import { expect, it } from 'vitest';
import type { StoreCase } from '../../storage/acceptance-context.ts';

/** Members' connections: the attendance record; run on each driver by storage/store.acceptance.ts, in order. */
export function attendanceStoreAcceptance(t: StoreCase): void {
  it("records members' connections: arrival, departure, heartbeat, and departs an instance's all at once", async () => {
    const a = await t.store.attendance.arrive(t.meetingId, t.adminId, 'instance-a');
    const b = await t.store.attendance.arrive(t.meetingId, t.adminId, 'instance-b');
    let { now, rows } = await t.store.attendance.connections(t.meetingId);
    expect(rows.filter((r) => r.departedAt === null)).toHaveLength(2);
    expect(Math.abs(now - rows[0]!.arrivedAt)).toBeLessThan(60_000);
    await t.store.attendance.depart(a, true);
    await t.store.attendance.depart(a, false); // once departed, stays so
    await t.store.attendance.heartbeat('instance-b');
    ({ rows } = await t.store.attendance.connections(t.meetingId));
    expect(rows.find((r) => r.departedAt !== null)).toMatchObject({ deliberate: true });
    await t.store.attendance.departAll('instance-b');
    ({ rows } = await t.store.attendance.connections(t.meetingId));
    expect(rows.every((r) => r.departedAt !== null)).toBe(true);
    expect(b).not.toBe(a);
  });
}
