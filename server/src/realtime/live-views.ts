import { computePresence } from '@yishi/domain';
import type { CouncilId, MeetingId, ViewKind, ViewSnapshot } from '@yishi/protocol';
import type { Logger } from '../log.ts';
import type { Store } from '../storage/store.ts';
import { computeLiveTallies, computePollsView } from '../votes/polls-view.ts';
import { recordedAttendance } from './attendance-tracker.ts';
import { meetingRoom } from './rooms.ts';
import type { YishiServer } from './types.ts';

/** How often at most one instance pushes one view of one meeting. Four a second keeps a room "live". */
const MIN_INTERVAL_MS = 250;

/**
 * Sockets written per turn of the event loop when delivering a snapshot. Writing to 5,000
 * sockets at once holds the loop for ~100 ms, and every ballot waiting for its ack waits too;
 * in slices, acks and commits run in between.
 */
const DELIVERY_SLICE = 500;

/**
 * Bookkeeping for a view nobody has touched for this long is dropped: a server that runs for
 * months of meetings must not keep every meeting's last snapshot. recent() only ever serves a
 * snapshot under a second old, so nothing is lost but a recomputation.
 */
const IDLE_MS = 60_000;

interface KeyState {
  lastAt: number;
  scheduled: boolean;
  running: boolean;
  rerun: boolean;
}

/**
 * Live views: each is a snapshot computed from the source of truth (SQL, and the sockets
 * connected across all instances), pushed to the meeting's room at most every MIN_INTERVAL_MS,
 * however many changes arrive. Each snapshot carries a version; clients keep the highest.
 * Polls and consensus add their own kinds here rather than inventing another mechanism.
 */
export class LiveViews {
  private readonly keys = new Map<string, KeyState>();
  /** The last snapshot this instance computed per view, for joiners (see recent()). */
  private readonly last = new Map<string, { at: number; snap: ViewSnapshot }>();
  private clock = 0;

  constructor(
    private readonly io: YishiServer,
    private readonly store: Store,
    private readonly log: Logger,
    /** True when other instances exist to relay to (Redis fan-out); the memory adapter has none. */
    private readonly relay: boolean,
  ) {
    // A snapshot computed on another instance, for our sockets. Delivered here only, never
    // relayed again.
    io.on('view', (snap) => void this.deliverLocally(snap));
  }

  /** Forgets views idle for IDLE_MS (see there); app.ts calls this on a timer. */
  sweep(now = Date.now()): void {
    for (const [key, hit] of this.last) if (now - hit.at > IDLE_MS) this.last.delete(key);
    for (const [key, s] of this.keys) if (!s.scheduled && !s.running && now - s.lastAt > IDLE_MS) this.keys.delete(key);
  }

  /** How many views this instance keeps state for (for tests and diagnostics). */
  get size(): { keys: number; snapshots: number } {
    return { keys: this.keys.size, snapshots: this.last.size };
  }

  /** Something changed: a fresh snapshot goes out soon (coalesced with other changes). */
  invalidate(meetingId: MeetingId, kind: ViewKind): void {
    const key = `${meetingId}/${kind}`;
    let s = this.keys.get(key);
    if (!s) {
      s = { lastAt: 0, scheduled: false, running: false, rerun: false };
      this.keys.set(key, s);
    }
    if (s.scheduled) return;
    s.scheduled = true;
    const wait = Math.max(0, s.lastAt + MIN_INTERVAL_MS - Date.now());
    setTimeout(() => void this.flush(key, meetingId, kind), wait).unref();
  }

  /** Member names, groups or the quorum rule changed: every open meeting of the council re-renders attendance. */
  async councilChanged(councilId: CouncilId): Promise<void> {
    for (const m of await this.store.meetings.list(councilId)) {
      if (m.state !== 'closed') {
        this.invalidate(m.id, 'presence');
      }
    }
  }

  /**
   * A snapshot for someone arriving: the one computed in the last second if there is one, else
   * a fresh one. A room of residents joining together then costs one computation per interval,
   * not one each. Serving a slightly old snapshot is safe because a fresh one is scheduled at once
   * and reaches the joiner, who is in the room by then.
   */
  async recent<K extends ViewKind>(meetingId: MeetingId, kind: K, maxAgeMs = 1_000): Promise<ViewSnapshot<K>> {
    const hit = this.last.get(`${meetingId}/${kind}`);
    if (hit && Date.now() - hit.at <= maxAgeMs) {
      this.invalidate(meetingId, kind);
      return hit.snap as ViewSnapshot<K>;
    }
    return this.snapshot(meetingId, kind);
  }

  async snapshot<K extends ViewKind>(meetingId: MeetingId, kind: K): Promise<ViewSnapshot<K>>;
  async snapshot(meetingId: MeetingId, kind: ViewKind): Promise<ViewSnapshot> {
    const at = Date.now();
    const snap = await this.compute(meetingId, kind);
    this.last.set(`${meetingId}/${kind}`, { at, snap });
    return snap;
  }

  private async compute(meetingId: MeetingId, kind: ViewKind): Promise<ViewSnapshot> {
    switch (kind) {
      case 'meeting': {
        const data = await this.store.meetings.get(meetingId);
        return { kind, meetingId, version: data.version, data };
      }
      case 'presence':
        return this.presence(meetingId);
      case 'polls': {
        const version = this.tick();
        return { kind, meetingId, version, data: await computePollsView(this.store, meetingId, version) };
      }
      case 'tallies': {
        const version = this.tick();
        return { kind, meetingId, version, data: await computeLiveTallies(this.store, meetingId, version) };
      }
    }
  }

  /**
   * Versions of derived views are clock readings: the newest computation saw the newest state,
   * whichever instance made it.
   */
  private tick(): number {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return this.clock;
  }

  private async flush(key: string, meetingId: MeetingId, kind: ViewKind): Promise<void> {
    const s = this.keys.get(key);
    if (!s) return;
    s.scheduled = false;
    if (s.running) {
      s.rerun = true;
      return;
    }
    s.running = true;
    s.lastAt = Date.now();
    try {
      const snap = await this.snapshot(meetingId, kind);
      // Other instances deliver it to their own sockets; this one to its own, in slices.
      if (this.relay) this.io.serverSideEmit('view', snap);
      await this.deliverLocally(snap);
    } catch (err) {
      this.log.warn('live view failed', { meetingId, kind, err: (err as Error).message });
    } finally {
      s.running = false;
      if (s.rerun) {
        s.rerun = false;
        this.invalidate(meetingId, kind);
      }
    }
  }

  /** Sends a snapshot to this instance's sockets in the meeting's room, a slice per loop turn. */
  private async deliverLocally(snap: ViewSnapshot): Promise<void> {
    const members = this.io.of('/').adapter.rooms.get(meetingRoom(snap.meetingId));
    if (!members || members.size === 0) return;
    if (members.size <= DELIVERY_SLICE) {
      this.io.local.to(meetingRoom(snap.meetingId)).emit('view', snap);
      return;
    }
    const ids = [...members];
    for (let i = 0; i < ids.length; i += DELIVERY_SLICE) {
      // Each socket is in a room named by its id; one encode per slice.
      this.io.local.to(ids.slice(i, i + DELIVERY_SLICE)).emit('view', snap);
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Who is here. Members come from the attendance record (attendance-tracker.ts): the same rows
   * a poll's close reads, so the screen and the binding outcome agree. Residents are only ever
   * a count on screen; fetchSockets asks every instance for them.
   */
  private async presence(meetingId: MeetingId): Promise<ViewSnapshot<'presence'>> {
    const meeting = await this.store.meetings.get(meetingId);
    const [council, recorded, sockets] = await Promise.all([
      this.store.councils.get(meeting.councilId),
      recordedAttendance(this.store, meetingId),
      this.io.in(meetingRoom(meetingId)).fetchSockets(),
    ]);
    const residents = new Set<string>();
    for (const s of sockets) {
      const o = s.data.owner;
      if (o?.kind === 'resident') residents.add(o.residentId);
    }
    const data = computePresence({
      members: council.members,
      groups: council.groups,
      quorum: council.quorum,
      onlineMemberIds: recorded.online,
      inRoomMemberIds: recorded.inRoom,
      residentCount: residents.size,
    });
    return { kind: 'presence', meetingId, version: this.tick(), data };
  }
}
