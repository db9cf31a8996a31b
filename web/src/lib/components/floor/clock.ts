import { writable, type Readable } from 'svelte/store';
import { roundTripOffset } from '@yishi/domain';
import type { MeetingId } from '@yishi/protocol';
import { call } from '$lib/live';

/**
 * How far the server's clock is ahead of this device's (ms), per meeting, measured with
 * `floor:clock` (the server's time taken as read halfway through the round trip). A phone whose
 * clock is minutes off still counts a speech down right: the timer is the server's start time
 * plus a duration, read on this clock plus the offset. Until measured, the floor view's
 * `serverTime` on arrival stands in (FloorSection).
 */
const measured = writable<Record<string, number>>({});
export const clockOffsets: Readable<Record<string, number>> = { subscribe: measured.subscribe };

export async function syncClock(meetingId: MeetingId): Promise<boolean> {
  const sentAt = Date.now();
  const r = await call('floor:clock', { meetingId });
  const receivedAt = Date.now();
  if (!r.ok) return false;
  measured.update((o) => ({ ...o, [meetingId]: roundTripOffset(r.data.serverTime, sentAt, receivedAt) }));
  return true;
}

/** Measures the offset now and every `everyMs` while `active()`; returns what stops it. */
export function keepClockSynced(meetingId: MeetingId, active: () => boolean, everyMs = 60_000): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    if (stopped) return;
    const ok = active() ? await syncClock(meetingId) : false;
    // Not connected yet, or it failed: try again soon.
    if (!stopped) timer = setTimeout(run, ok ? everyMs : 2_000);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
