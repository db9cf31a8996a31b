/**
 * The server's clock as seen from this device. Each sample is the server's time when it made a
 * snapshot and the local time when it arrived; a snapshot only ever arrives later than it was
 * made (it travelled, and may have waited in a cache), so the largest (server - local) of recent
 * samples is the closest estimate. Timers count down locally with it (DESIGN.md 13: no
 * per-second broadcast). The same rule as packages/domain agenda/timer.ts#clockOffset, kept to
 * recent samples so a clock changed on the device is followed.
 */
export class ClockOffset {
  private samples: number[] = [];
  constructor(private readonly keep = 8) {}

  sample(serverMs: number, localMs = Date.now()): void {
    if (!Number.isFinite(serverMs)) return;
    this.samples.push(serverMs - localMs);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /** Milliseconds to add to Date.now() to get the server's time (0 before any sample). */
  get offset(): number {
    return this.samples.length === 0 ? 0 : Math.max(...this.samples);
  }

  now(localMs = Date.now()): number {
    return localMs + this.offset;
  }
}

/**
 * An item's timer at server time `serverNow`: planned time left, or how far over it is (shown,
 * not enforced). Null before its discussion ever started.
 */
export function itemTimer(
  item: { minutes: number; spentMs: number; resumedAt: number | null; startedAt: number | null },
  serverNow: number,
): { elapsedMs: number; leftMs: number; over: boolean; running: boolean } | null {
  if (item.startedAt === null && item.resumedAt === null) return null;
  const elapsedMs = item.spentMs + (item.resumedAt === null ? 0 : Math.max(0, serverNow - item.resumedAt));
  const leftMs = item.minutes * 60_000 - elapsedMs;
  return { elapsedMs, leftMs, over: leftMs < 0, running: item.resumedAt !== null };
}

/** m:ss, or h:mm:ss past an hour. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
