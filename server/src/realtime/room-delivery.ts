import type { ViewSnapshot } from '@yishi/protocol';

/** Where one view's snapshots go on this instance (LiveViews supplies it). */
export interface DeliveryTarget {
  /** Writes a snapshot to every socket that should have the view now, in one broadcast (one encode). */
  send(snap: ViewSnapshot): void;
}

/**
 * The delivery of one view (one meeting's view of a kind, or one key's) to this instance's
 * sockets: always the newest snapshot, written to the whole room in one go. A snapshot no newer
 * than the last one written is dropped, and so is one whose data is what this instance last
 * delivered, when asked (`quietIfSame`).
 *
 * One go, not slices: writes to 500 sockets per turn of the event loop, as before, let a room
 * voting starve its own tally. Between two slices the loop took in every ballot that had arrived
 * (and ran the seals they made), so during a burst of 5,000 ballots a slice went out every
 * 150-500 ms and a pass to 5,000 sockets took 1-1.5 s, longer than the whole burst; the last
 * sockets of each pass saw a tally a second old (measured with timestamps along the path:
 * tally p99 2.0 s against the bare anchor's 0.62 s on the same machine). Written at once, a
 * pass to 5,000 sockets holds the loop 85-140 ms, as the anchor's broadcast does, four times a
 * second at most (docs/ARCHITECTURE.md, the vote benchmark).
 */
export class RoomDelivery {
  private version = -Infinity;
  /** The data of the last snapshot written, serialised, to recognise a snapshot that changes nothing. */
  private data: string | null = null;
  /** When a snapshot was last handed in (for LiveViews' idle sweep). */
  at = Date.now();

  constructor(private readonly target: DeliveryTarget) {}

  /** Writes a snapshot to the room, unless it is older than the last one or (quietIfSame) changes nothing. */
  deliver(snap: ViewSnapshot, quietIfSame: boolean): void {
    this.at = Date.now();
    if (snap.version < this.version) return;
    const data = JSON.stringify(snap.data);
    if (quietIfSame && data === this.data) return;
    this.version = snap.version;
    this.data = data;
    this.target.send(snap);
  }
}
