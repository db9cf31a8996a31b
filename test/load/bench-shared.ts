/**
 * What bench-votes.ts (the measuring process) and bench-bots.ts (the bot workers) share: the
 * messages between them and the arithmetic of the measurement. Times are absolute milliseconds
 * (performance.timeOrigin + performance.now()), so the workers' readings compare with each other.
 */

export const now = (): number => performance.timeOrigin + performance.now();

/** Nearest-rank percentile of an unsorted list; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}

/**
 * One client's view of the tally: only the receipts that raised the turnout it has seen, so
 * "the first time it saw turnout >= A" is the first entry with turnout >= A.
 */
export class Seen {
  times: number[] = [];
  turnouts: number[] = [];
  max = 0;
  record(turnout: number, at: number): void {
    if (turnout > this.max) {
      this.max = turnout;
      this.times.push(at);
      this.turnouts.push(turnout);
    }
  }
  reset(): void {
    this.times = [];
    this.turnouts = [];
    this.max = 0;
  }
}

export interface SeenRecord {
  times: number[];
  turnouts: number[];
}

/** One ballot as a worker saw it. */
export interface BallotRecord {
  i: number;
  sentAt: number;
  /** NaN when no ack came. */
  ackAt: number;
  ok: boolean;
  code?: string;
}

export interface Measured {
  ackP50: number;
  ackP99: number;
  tallyP50: number;
  tallyP99: number;
  unseenBallots: number;
  unseenClients: number;
  okCount: number;
  acked: number;
  errors: Record<string, number>;
}

/**
 * Ack and tally latencies (defined at the top of bench-votes.ts) from every worker's ballots and
 * every client's receipts.
 */
export function measure(ballots: BallotRecord[], clients: SeenRecord[], timeoutMs: number): Measured {
  const errors: Record<string, number> = {};
  const acks: number[] = [];
  const okByArrival = ballots.filter((b) => b.ok).sort((a, b) => a.ackAt - b.ackAt);
  // A_i: the position of ballot i's ok ack among all ok acks, in the order they arrived.
  const okSeq = new Map<number, number>();
  okByArrival.forEach((b, n) => okSeq.set(b.i, n + 1));
  let acked = 0;
  for (const b of ballots) {
    if (!Number.isNaN(b.ackAt)) acked++;
    if (b.ok) acks.push(b.ackAt - b.sentAt);
    else if (!Number.isNaN(b.ackAt)) errors[b.code ?? 'unknown'] = (errors[b.code ?? 'unknown'] ?? 0) + 1;
  }

  const k = okByArrival.length;
  // seenBy[A] = the latest, over clients, of the first time each saw turnout >= A.
  const seenBy = new Float64Array(k + 1).fill(-Infinity);
  // missing[A] = how many clients never saw turnout >= A (difference array, then prefix sums).
  const missing = new Int32Array(k + 2);
  let unseenClients = 0;
  for (const c of clients) {
    let prev = 0;
    for (let j = 0; j < c.times.length && prev < k; j++) {
      const upTo = Math.min(c.turnouts[j]!, k);
      const at = c.times[j]!;
      for (let a = prev + 1; a <= upTo; a++) if (at > seenBy[a]!) seenBy[a] = at;
      prev = Math.max(prev, upTo);
    }
    if (prev < k) {
      missing[prev + 1]!++;
      unseenClients++;
    }
  }
  for (let a = 1; a <= k; a++) missing[a]! += missing[a - 1]!;

  const tally: number[] = [];
  let unseenBallots = 0;
  for (const b of ballots) {
    const a = okSeq.get(b.i);
    if (a === undefined) continue;
    if (missing[a]! > 0) {
      unseenBallots++;
      tally.push(timeoutMs);
    } else tally.push(Math.max(0, seenBy[a]! - b.sentAt));
  }
  return {
    ackP50: percentile(acks, 0.5),
    ackP99: percentile(acks, 0.99),
    tallyP50: percentile(tally, 0.5),
    tallyP99: percentile(tally, 0.99),
    unseenBallots,
    unseenClients,
    okCount: k,
    acked,
    errors,
  };
}

// ---------- messages between the measuring process and the bot workers ----------

/** What a worker needs to bring its clients in. */
export type BotTarget =
  | {
      mode: 'yishi';
      servers: string[];
      joinCode: string;
      meetingId: string;
      pollId: string;
      optionIds: string[];
    }
  | { mode: 'anchor'; url: string }
  /** bench-agenda.ts: residents following the `agenda` view; item i is `items[i]`, typed by editor i. */
  | { mode: 'agenda'; servers: string[]; joinCode: string; meetingId: string; items: string[] };

export type ToWorker =
  | { type: 'connect'; target: BotTarget; clients: number[]; concurrency: number }
  /** Cast ballots `ballots` (global indices) at start + i * interval; ballot i is client i mod N. */
  | {
      type: 'cast';
      startAt: number;
      intervalMs: number;
      ballots: number[];
      clientCount: number;
      timeoutMs: number;
      /** How many ballots may stay unacknowledged (secret ballots held until close) without waiting for the timeout. */
      mayHold: number;
    }
  /** Reply with every ballot's record as it stands, once all are acked or after waitMs. */
  | { type: 'collect'; waitMs: number }
  /** Reply once every client here has seen turnout >= target, or at the deadline. */
  | { type: 'await-turnout'; target: number; deadline: number }
  /** Reply once every client here has seen item i's title at least `lengths[i]` long, or at the deadline. */
  | { type: 'await-agenda'; lengths: number[]; deadline: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'progress'; joined: number; connectRetries: number; joinRetries: number }
  | { type: 'connected'; reconnects: number }
  | { type: 'cast-done'; ballots: BallotRecord[] }
  | { type: 'collected'; ballots: BallotRecord[] }
  | { type: 'turnout'; behind: number; seen: SeenRecord[]; reconnects: number; loopDelayP99Ms: number; loopDelayMaxMs: number }
  | { type: 'agenda'; seen: AgendaSeen; behind: number; reconnects: number; loopDelayP99Ms: number }
  | { type: 'error'; message: string };

// ---------- bench-agenda.ts: what editors type and what viewers see ----------

/** What editor i has typed after n keystrokes: its own marker sequence (a letter run starting at its own offset). */
export function typedText(i: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String.fromCharCode(97 + ((i + k) % 26));
  return s;
}

/**
 * One worker's viewers, merged: `at[i][L]` is the latest, over its viewers, of the first time each
 * saw item i's title with at least L characters of editor i's text (index 0 unused), and
 * `reached[i][L]` how many of them saw that. `mismatched` counts views whose title was not a
 * prefix of what the editor typed (should stay 0).
 */
export interface AgendaSeen {
  at: number[][];
  reached: number[][];
  mismatched: number;
}

/** The latency of keystroke k of editor i (send to the last viewer seeing it), or NaN if some viewer never did. */
export function viewerLatencies(sent: number[][], seen: AgendaSeen[], viewers: number): { latencies: number[]; unseen: number } {
  const latencies: number[] = [];
  let unseen = 0;
  sent.forEach((times, i) =>
    times.forEach((s, k) => {
      let at = -Infinity;
      let reached = 0;
      for (const w of seen) {
        reached += w.reached[i]?.[k + 1] ?? 0;
        at = Math.max(at, w.at[i]?.[k + 1] ?? -Infinity);
      }
      if (reached < viewers) unseen++;
      else latencies.push(Math.max(0, at - s));
    }),
  );
  return { latencies, unseen };
}
