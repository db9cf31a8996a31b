import { FLOOR_LIMITS } from '@yishi/protocol/constants';

/**
 * A speech's timer is a deadline, never a tick: the server stores when it started and how long it
 * may run, and each screen counts down on its own clock, corrected by its offset from the server's.
 */
export interface SpeechTimer {
  /** Server time (ms since the epoch) when the speech started. */
  startedAt: number;
  durationSeconds: number;
}

export function speechEndsAt(t: SpeechTimer): number {
  return t.startedAt + t.durationSeconds * 1000;
}

/**
 * How far the server's clock is ahead of this one (ms; negative when behind): from a reading of
 * the server's time taken between `sentAt` and `receivedAt` on the local clock, assumed halfway.
 */
export function roundTripOffset(serverTime: number, sentAt: number, receivedAt: number): number {
  return serverTime - (sentAt + receivedAt) / 2;
}

/** Time left (ms; negative once over) at local time `localNow`, given the clock offset. */
export function remainingMs(t: SpeechTimer, localNow: number, offset: number): number {
  return speechEndsAt(t) - (localNow + offset);
}

/** running; warning from 30 s left; over at zero and after. */
export type CountdownCue = 'running' | 'warning' | 'over';

export function countdownCue(remaining: number, warnSeconds: number = FLOOR_LIMITS.warnSeconds): CountdownCue {
  if (remaining <= 0) return 'over';
  if (remaining <= warnSeconds * 1000) return 'warning';
  return 'running';
}

/**
 * "2:59" for time left (whole seconds rounded up, so 0:00 shows exactly at zero), "+0:12" for
 * time over.
 */
export function formatCountdown(remaining: number): string {
  const over = remaining < 0;
  const s = over ? Math.floor(-remaining / 1000) : Math.ceil(remaining / 1000);
  const text = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return over ? `+${text}` : text;
}

/** How long a speech ran, in whole seconds (rounded), from its start and end. */
export function spokenSeconds(startedAt: number, endedAt: number): number {
  return Math.max(0, Math.round((endedAt - startedAt) / 1000));
}
