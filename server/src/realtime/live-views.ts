import { computePresence } from '@yishi/domain';
import { ViewKind as ViewKindSchema, type CouncilId, type MeetingId, type ViewKind, type ViewSnapshot } from '@yishi/protocol';
import { BoundedMap } from '../bounded-map.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../storage/store.ts';
import { computeLiveTallies, computePollsView } from '../votes/polls-view.ts';
import { recordedAttendance } from './attendance-tracker.ts';
import { meetingIdOfRoom, meetingRoom } from './rooms.ts';
import type { YishiServer } from './types.ts';

/** How often at most one instance pushes one view of one meeting. Four a second keeps a room "live". */
const MIN_INTERVAL_MS = 250;

const VIEW_KINDS = ViewKindSchema.options;

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

/** Snapshots kept at most (4 views a meeting: a thousand meetings live at once on one instance). */
const MAX_SNAPSHOTS = 4_000;

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
  /** The last snapshot this instance computed per view, for joiners (see recent()); bounded, besides the idle sweep. */
  private readonly last = new BoundedMap<string, { at: number; snap: ViewSnapshot }>(MAX_SNAPSHOTS);
  /** Computations under way, for recent() callers to share rather than start their own. */
  private readonly inflight = new Map<string, Promise<ViewSnapshot>>();

  constructor(
    private readonly io: YishiServer,
    private readonly store: Store,
    private readonly log: Logger,
    /** True when other instances exist to relay to (Redis fan-out); the memory adapter has none. */
    private readonly relay: boolean,
  ) {
    // A snapshot computed on another instance, for our sockets. Delivered here only, never
    // relayed again.
    // Kept as this instance's last snapshot too: a joiner here then gets what the room just got.
    io.on('view', (snap) => {
      this.remember(snap);
      void this.deliverLocally(snap);
    });
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

  /**
   * Re-sends every view of each meeting followed by a socket on this instance: computed fresh,
   * delivered here and relayed to the others. Run when the fan-out returns from an outage, so that
   * what was missed meanwhile arrives without waiting for the next change.
   */
  resendActive(): void {
    for (const room of this.io.of('/').adapter.rooms.keys()) {
      const meetingId = meetingIdOfRoom(room);
      if (!meetingId) continue;
      for (const kind of VIEW_KINDS) this.invalidate(meetingId, kind);
    }
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
   * A snapshot for someone arriving or asking again (meeting:join, view:get): the one computed or
   * received in the last second if there is one, else the computation under way, else a fresh
   * one. However many ask at once, a view costs at most one computation per second plus the
   * coalesced broadcasts (one person with many sockets asking 20 times a second each cannot make
   * the server recompute per call). Serving a snapshot up to a second old is safe: every change
   * since then has scheduled a broadcast (invalidate), which reaches the asker in the room, and a
   * snapshot relayed from another instance is kept here too (see the constructor).
   */
  async recent<K extends ViewKind>(meetingId: MeetingId, kind: K, maxAgeMs = 1_000): Promise<ViewSnapshot<K>> {
    const key = `${meetingId}/${kind}`;
    const hit = this.last.get(key);
    if (hit && Date.now() - hit.at <= maxAgeMs) return hit.snap as ViewSnapshot<K>;
    const running = this.inflight.get(key);
    if (running) return running as Promise<ViewSnapshot<K>>;
    return this.snapshot(meetingId, kind);
  }

  /** A fresh computation (the broadcasts use this: it must see every change made before it). */
  async snapshot<K extends ViewKind>(meetingId: MeetingId, kind: K): Promise<ViewSnapshot<K>>;
  async snapshot(meetingId: MeetingId, kind: ViewKind): Promise<ViewSnapshot> {
    const key = `${meetingId}/${kind}`;
    const at = Date.now();
    const computing = this.compute(meetingId, kind);
    this.inflight.set(key, computing);
    try {
      const snap = await computing;
      const held = this.last.get(key);
      if (!held || held.at <= at) this.last.set(key, { at, snap });
      return snap;
    } finally {
      if (this.inflight.get(key) === computing) this.inflight.delete(key);
    }
  }

  /** Keeps a snapshot from another instance as the latest, when it is newer than the one held. */
  private remember(snap: ViewSnapshot): void {
    const key = `${snap.meetingId}/${snap.kind}`;
    const held = this.last.get(key);
    if (!held || held.snap.version <= snap.version) this.last.set(key, { at: Date.now(), snap });
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
        const version = await this.nextVersion();
        return { kind, meetingId, version, data: await computePollsView(this.store, meetingId, version) };
      }
      case 'tallies': {
        const version = await this.nextVersion();
        return { kind, meetingId, version, data: await computeLiveTallies(this.store, meetingId, version) };
      }
    }
  }

  /**
   * The version of a derived view (presence, polls, tallies), taken before its computation reads
   * anything: from one database sequence (storage/view-versions.ts), so a computation started
   * later carries a higher version on whichever instance it runs, whatever the clocks say.
   */
  private nextVersion(): Promise<number> {
    return this.store.viewVersions.next();
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
      this.log.child({ meetingId }).warn('live view failed', { kind, err });
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
    const version = await this.nextVersion();
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
    return { kind: 'presence', meetingId, version, data };
  }
}
