import { stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MeetingId, ViewSnapshot } from '@yishi/protocol';
import { waitFor } from '../../../test/support/ports.ts';
import { DELIVERY_SLICE, RoomDelivery, TYPING_PACE, type DeliveryTarget } from './room-delivery.ts';

const meetingId = '00000000-0000-4000-8000-000000000001' as MeetingId;
const tallies = (version: number, turnout: number) =>
  ({ kind: 'tallies', meetingId, version, data: { tallies: [{ pollId: 'p', turnout } as never] } }) as ViewSnapshot;

/** A room of `n` sockets that records every write, in order, as (socket, version). */
function room(n: number) {
  const members = new Set(Array.from({ length: n }, (_, i) => `s${i}`));
  const writes: { id: string; version: number }[] = [];
  const target: DeliveryTarget = {
    audience: () => [...members],
    stillIn: (id) => members.has(id),
    send: (ids, snap) => ids.forEach((id) => writes.push({ id, version: snap.version })),
  };
  const newest = (id: string) => Math.max(...writes.filter((w) => w.id === id).map((w) => w.version));
  return { members, writes, target, newest };
}

describe('delivering a view to a big room', () => {
  it('gives the sockets a pass has not reached the newer snapshot instead, then the sockets it had reached', async () => {
    const r = room(4 * DELIVERY_SLICE);
    const d = new RoomDelivery(r.target);
    d.deliver(tallies(1, 10), false);
    // The first slice goes out on this turn; a newer snapshot arrives before the second.
    expect(r.writes).toHaveLength(DELIVERY_SLICE);
    d.deliver(tallies(2, 20), false);
    await waitFor(() => !d.busy, 5_000, 'the delivery to end');
    // Every socket got the newer one, once; none of those the first pass had not reached got the older one.
    for (const id of r.members) expect(r.newest(id)).toBe(2);
    expect(r.writes.filter((w) => w.version === 1)).toHaveLength(DELIVERY_SLICE);
    expect(r.writes.filter((w) => w.version === 2)).toHaveLength(r.members.size);
    // Those not reached yet come first, in their order: nobody waits for a pass that starts over.
    expect(r.writes[DELIVERY_SLICE]!.id).toBe(`s${DELIVERY_SLICE}`);
    expect(r.writes.at(-1)!.id).toBe(`s${DELIVERY_SLICE - 1}`);
  });

  it('drops an older snapshot, skips sockets that left, and writes a small room at once', async () => {
    const r = room(3 * DELIVERY_SLICE);
    const d = new RoomDelivery(r.target);
    d.deliver(tallies(5, 1), false);
    d.deliver(tallies(4, 9), false);
    r.members.delete(`s${2 * DELIVERY_SLICE}`);
    await waitFor(() => !d.busy, 5_000, 'the delivery to end');
    expect(r.writes.every((w) => w.version === 5)).toBe(true);
    expect(r.writes).toHaveLength(3 * DELIVERY_SLICE - 1);

    const small = room(3);
    new RoomDelivery(small.target).deliver(tallies(1, 1), false);
    expect(small.writes).toHaveLength(3);
  });

  it('asked to be quiet, writes nothing when the data is what the sockets already have', async () => {
    const r = room(10);
    const d = new RoomDelivery(r.target);
    d.deliver(tallies(1, 7), false);
    d.deliver(tallies(2, 7), true);
    expect(r.writes).toHaveLength(10);
    // Not quiet (something changed, as far as the caller knows): written again.
    d.deliver(tallies(3, 7), false);
    expect(r.writes).toHaveLength(20);
    // Quiet, but the data differs: written.
    d.deliver(tallies(4, 8), true);
    expect(r.writes).toHaveLength(30);
  });

  it('at the pace a typing view asks for, running what was queued meanwhile before the next slice', async () => {
    const { slice } = TYPING_PACE;
    const r = room(3 * slice);
    const d = new RoomDelivery(r.target, TYPING_PACE);
    let ranBetween = -1;
    // In an I/O callback, as a server reads a keystroke: a keystroke read while a pass runs starts
    // its commit with a setImmediate (core/group-commit.ts), which must run before the next slice.
    await new Promise<void>((done) =>
      stat('.', () => {
        d.deliver(tallies(1, 1), false);
        expect(r.writes).toHaveLength(slice);
        setImmediate(() => (ranBetween = r.writes.length));
        done();
      }),
    );
    await waitFor(() => !d.busy, 5_000, 'the delivery to end');
    expect(r.writes).toHaveLength(3 * slice);
    expect(ranBetween).toBe(slice);
  });
});
