/**
 * An item's discussion clock (DESIGN.md 13: timers are a start time and a duration, counted down
 * on each screen, corrected for the screen's clock offset; never broadcast per second). All times
 * in ms by the server's clock.
 */
export interface ItemClock {
  /** Planned duration in minutes (0: no time box). */
  minutes: number;
  /** Discussion time of earlier stretches (an item gone back to keeps its time). */
  spentMs: number;
  /** Start of the current stretch, while the item is current; null otherwise. */
  resumedAt: number | null;
}

export interface TimeLeft {
  plannedMs: number;
  elapsedMs: number;
  /** Planned time not yet used: 0 once it has run out. */
  leftMs: number;
  /** Time beyond the plan: shown, not enforced. 0 while within it. */
  overrunMs: number;
  /** Whether the clock is running (the item is current). */
  running: boolean;
}

/** Discussion time so far at server time `serverNow`. */
export function elapsedMs(clock: ItemClock, serverNow: number): number {
  return clock.spentMs + (clock.resumedAt === null ? 0 : Math.max(0, serverNow - clock.resumedAt));
}

/** The countdown at server time `serverNow`. */
export function timeLeft(clock: ItemClock, serverNow: number): TimeLeft {
  const plannedMs = Math.max(0, clock.minutes) * 60_000;
  const elapsed = elapsedMs(clock, serverNow);
  return {
    plannedMs,
    elapsedMs: elapsed,
    leftMs: Math.max(0, plannedMs - elapsed),
    overrunMs: Math.max(0, elapsed - plannedMs),
    running: clock.resumedAt !== null,
  };
}

/**
 * What to add to this screen's clock to read the server's, from a snapshot stamped `serverNow`
 * and received at `receivedAt` (this screen's clock). A sample is never above the true offset
 * (the snapshot travelled, and may have waited in a cache), so the best estimate is the largest
 * sample seen: pass the previous estimate as `previous`.
 */
export function clockOffset(serverNow: number, receivedAt: number, previous: number | null = null): number {
  const sample = serverNow - receivedAt;
  return previous === null ? sample : Math.max(previous, sample);
}

/** The server's time now, from this screen's clock and its offset. */
export function serverTime(clientNow: number, offset: number): number {
  return clientNow + offset;
}

/**
 * The clock after the item stops being current at `at` (its stretch added to spentMs), or
 * unchanged when it was not running.
 */
export function stopClock(clock: ItemClock, at: number): ItemClock {
  return { ...clock, spentMs: elapsedMs(clock, at), resumedAt: null };
}
