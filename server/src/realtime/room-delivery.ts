import type { ViewSnapshot } from '@yishi/protocol';

/**
 * Sockets written per turn of the event loop when delivering a snapshot. Writing to 5,000
 * sockets at once holds the loop for 85-140 ms, and every ballot waiting for its ack waits too;
 * in slices, acks and commits run in between. Between two slices the loop takes in every message
 * waiting, so a pass to 5,000 sockets lasts longer during a burst of ballots; bigger slices shorten
 * the pass and lengthen every wait for an ack. Measured at 5,000/5,000, three runs each, the same
 * hour on this machine (the anchor's tally p99 440-580 ms), with due computations started at once
 * and the tallies read in one round: slices of 500, ack p99 195-216 ms and tally 2.0-2.4x the
 * anchor; slices of 2,500, ack p99 498-583 ms and tally 2.2-3.1x; the code before those two
 * changes with slices of 500, ack p99 249-273 ms and tally 2.2-2.8x.
 */
export const DELIVERY_SLICE = 500;

/** How a view's delivery shares the event loop: sockets written per turn, and what it waits for before the next slice. */
export interface DeliveryPace {
  slice: number;
  /**
   * `immediate`: the next turn (setImmediate), after the messages read meanwhile. `timer`: a
   * timer's turn, which comes after the setImmediates queued meanwhile too, such as a group
   * commit's start (core/group-commit.ts): a keystroke read between two slices is stored and
   * relayed before the next slice, not after it.
   */
  between: 'immediate' | 'timer';
}

export const DEFAULT_PACE: DeliveryPace = { slice: DELIVERY_SLICE, between: 'immediate' };

/**
 * A view that goes out while people do something that must not queue behind the write asks for
 * this pace (ViewSpec#deliveryPace): the agenda changes with every keystroke of its editors, and
 * each keystroke's relay to the other editors waits for the slice under way and, when the slices
 * follow each other by setImmediate, for the next one too (queued before the keystroke's commit).
 * A socket's write costs 20-50 µs (a syscall each). Slices of 500 held a relay up to ~15 ms (the
 * agenda benchmark, E = 20, V = 2,000: edit p95 33-41 ms with 500, 21-28 ms with 100). On a
 * slower machine (2026-11-28, one run each, the anchor 6-8 ms), by setImmediate: 100, 27 ms; 40,
 * 18 ms; 20, 16 ms; 10, 16 ms. Slices of 20 after a timer: 13.5 ms, the keystroke's wait for its
 * batch in the server p95 1.4 -> 0.4 ms. Viewer p95 710-770 ms in every case: a pass of 2,000
 * sockets lasts longer (100 slices, at least 1 ms apart), but the phones wait for the 500 ms
 * between pushes, not for the pass.
 */
export const TYPING_PACE: DeliveryPace = { slice: 20, between: 'timer' };

/** Where one view's snapshots go on this instance (LiveViews supplies it). */
export interface DeliveryTarget {
  /** The sockets that should have the view now: the room's, less those not allowed to see it. */
  audience(): string[];
  /** Whether a socket is still one of them when its turn comes (it may have left meanwhile). */
  stillIn(socketId: string): boolean;
  send(socketIds: string[], snap: ViewSnapshot): void;
}

/**
 * The delivery of one view (one meeting's view of a kind, or one key's) to this instance's
 * sockets, a slice per turn of the event loop, always the newest snapshot. At 5,000 sockets a
 * pass can take longer than the 250 ms between snapshots of a busy view (a room voting): before,
 * each pass ran to its end with the snapshot it started with and the next snapshot was only
 * computed after it, so the last sockets of a pass saw a tally two passes old. Now a newer
 * snapshot takes over a pass under way: the sockets not reached yet get the newer one instead
 * (the older is never written to them), and the sockets already reached are queued after them,
 * so every socket is written once per round, in the same order, and none waits for a pass that
 * starts over. A snapshot no newer than the one going out is dropped, and so is one whose data
 * is what this instance last delivered, when asked (`quietIfSame`).
 */
export class RoomDelivery {
  private snap: ViewSnapshot | null = null;
  /** The data of `snap`, serialised, to recognise a snapshot that changes nothing. */
  private data = '';
  private queue: string[] = [];
  private pos = 0;
  private running = false;
  /** When a snapshot was last handed in (for LiveViews' idle sweep). */
  at = Date.now();

  /** `pace`: DEFAULT_PACE unless the view asks for another. */
  constructor(
    private readonly target: DeliveryTarget,
    private readonly pace = DEFAULT_PACE,
  ) {}

  get busy(): boolean {
    return this.running;
  }

  /** Hands in a snapshot to deliver; returns at once (the slices run on later turns). */
  deliver(snap: ViewSnapshot, quietIfSame: boolean): void {
    this.at = Date.now();
    if (this.snap && snap.version < this.snap.version) return;
    const data = JSON.stringify(snap.data);
    if (quietIfSame && this.snap && data === this.data) return;
    this.snap = snap;
    this.data = data;
    const audience = this.target.audience();
    if (!this.running) {
      if (audience.length === 0) return;
      // A small room in one write, as before slices existed.
      if (audience.length <= this.pace.slice) {
        this.target.send(audience, snap);
        return;
      }
      this.queue = audience;
      this.pos = 0;
      void this.run();
      return;
    }
    // A pass is under way: those it has not reached get this snapshot instead, then the others.
    const rest = this.queue.slice(this.pos);
    const waiting = new Set(rest);
    this.queue = rest.concat(audience.filter((id) => !waiting.has(id)));
    this.pos = 0;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pos < this.queue.length) {
        const slice = this.queue.slice(this.pos, this.pos + this.pace.slice);
        this.pos += slice.length;
        const to = slice.filter((id) => this.target.stillIn(id));
        if (to.length > 0) this.target.send(to, this.snap!);
        if (this.pos < this.queue.length) await new Promise((r) => (this.pace.between === 'timer' ? setTimeout(r, 0) : setImmediate(r)));
      }
    } finally {
      this.running = false;
      this.queue = [];
      this.pos = 0;
    }
  }
}
