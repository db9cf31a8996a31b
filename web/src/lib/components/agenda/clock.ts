/**
 * The server's clock as seen from this device. Each sample is the server's time when it sent
 * something and the local time when it arrived; the latest it can have been sent is when it
 * arrived, so the largest (server - local) of recent samples is the closest estimate (a delayed
 * message only ever makes the offset look smaller). Timers count down locally with it
 * (DESIGN.md 13: no per-second broadcast).
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

/** What the item's timer shows: planned time left, or how far over it is (shown, not enforced). */
export function itemTimer(
  startedAt: string | null,
  endedAt: string | null,
  minutes: number,
  serverNow: number,
): { elapsedMs: number; leftMs: number; over: boolean } | null {
  if (!startedAt) return null;
  const start = Date.parse(startedAt);
  if (!Number.isFinite(start)) return null;
  const end = endedAt ? Date.parse(endedAt) : serverNow;
  const elapsedMs = Math.max(0, end - start);
  const leftMs = minutes * 60_000 - elapsedMs;
  return { elapsedMs, leftMs, over: leftMs < 0 };
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
