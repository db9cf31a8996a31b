import { describe, expect, it } from 'vitest';
import type { MeetingId, ViewSnapshot } from '@yishi/protocol';
import { RoomDelivery, type DeliveryTarget } from './room-delivery.ts';

const meetingId = '00000000-0000-4000-8000-000000000001' as MeetingId;
const tallies = (version: number, turnout: number) =>
  ({ kind: 'tallies', meetingId, version, data: { tallies: [{ pollId: 'p', turnout } as never] } }) as ViewSnapshot;

/** A room that records every broadcast, in order, by version. */
function room() {
  const sent: number[] = [];
  const target: DeliveryTarget = { send: (snap) => sent.push(snap.version) };
  return { sent, target };
}

describe('delivering a view to a room', () => {
  it('writes each newer snapshot at once, and drops an older one', () => {
    const r = room();
    const d = new RoomDelivery(r.target);
    d.deliver(tallies(5, 1), false);
    // Written on this turn: nothing waits for the loop to come round (a room voting keeps it busy).
    expect(r.sent).toEqual([5]);
    d.deliver(tallies(4, 9), false);
    expect(r.sent).toEqual([5]);
    d.deliver(tallies(6, 2), false);
    expect(r.sent).toEqual([5, 6]);
  });

  it('asked to be quiet, writes nothing when the data is what the sockets already have', () => {
    const r = room();
    const d = new RoomDelivery(r.target);
    d.deliver(tallies(1, 7), false);
    d.deliver(tallies(2, 7), true);
    expect(r.sent).toEqual([1]);
    // Not quiet (something changed, as far as the caller knows): written again.
    d.deliver(tallies(3, 7), false);
    expect(r.sent).toEqual([1, 3]);
    // Quiet, but the data differs: written.
    d.deliver(tallies(4, 8), true);
    expect(r.sent).toEqual([1, 3, 4]);
    // Quiet with nothing written before: written.
    const fresh = room();
    new RoomDelivery(fresh.target).deliver(tallies(1, 7), true);
    expect(fresh.sent).toEqual([1]);
  });
});
