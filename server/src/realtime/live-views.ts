import { can } from '@yishi/domain';
import type { CouncilId, MeetingId, ViewKind, ViewSnapshot } from '@yishi/protocol';
import { BoundedMap } from '../bounded-map.ts';
import type { ViewContext, ViewRegistry, ViewSpec } from '../core/view-spec.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../storage/store.ts';
import { meetingIdOfRoom, meetingRoom } from './rooms.ts';
import { RoomDelivery, type DeliveryTarget } from './room-delivery.ts';
import type { YishiServer } from './types.ts';

/** How often at most one instance pushes one view of one meeting. Four a second keeps a room "live". */
const MIN_INTERVAL_MS = 250;

/**
 * Bookkeeping for a view nobody has touched for this long is dropped: a server that runs for
 * months of meetings must not keep every meeting's last snapshot. recent() only ever serves a
 * snapshot under a second old, so nothing is lost but a recomputation.
 */
const IDLE_MS = 60_000;

/**
 * A computation that fails for a passing reason (a busy instance not answering fetchSockets in
 * time, a dropped database connection) is tried again after RETRY_BASE_MS, doubling up to
 * RETRY_MAX_MS, at most MAX_RETRIES times in a row (about 20 s in all): the room must not keep a
 * stale view, or miss one, until the next change. A refusal (AppError: no such meeting) is final.
 */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 8_000;
const MAX_RETRIES = 6;

/** Snapshots kept at most (4 views a meeting: a thousand meetings live at once on one instance). */
const MAX_SNAPSHOTS = 4_000;

/** One view's identity: a meeting's view of a kind, or for a keyed view one key's. */
interface ViewId {
  meetingId: MeetingId;
  kind: ViewKind;
  key: string | undefined;
}

/**
 * The bookkeeping key of one view. Meeting ids are UUIDs and kinds have no slash, so whatever a
 * sub-key holds, two views never share one.
 */
function idOf(meetingId: MeetingId, kind: ViewKind, key: string | undefined): string {
  return key === undefined ? `${meetingId}/${kind}` : `${meetingId}/${kind}/${key}`;
}

interface KeyState extends ViewId {
  lastAt: number;
  scheduled: boolean;
  /** When the scheduled computation runs (meaningful while `scheduled`). */
  dueAt: number;
  /** The timer of a computation scheduled for later (null when none, or when it runs on this turn). */
  timer: NodeJS.Timeout | null;
  running: boolean;
  rerun: boolean;
  /**
   * Something changed since the last computation (invalidate). Without that, a computation
   * asked for by refresh() is relayed to the other instances but not delivered here again when
   * its data is what this instance's sockets already have.
   */
  changed: boolean;
  /** Failed computations in a row (see RETRY_BASE_MS). */
  failures: number;
}

/**
 * Live views: each is a snapshot computed from the source of truth (SQL, and the sockets
 * connected across all instances), pushed to the meeting's room at most every MIN_INTERVAL_MS,
 * however many changes arrive. Each snapshot carries a version; clients keep the highest.
 * Which kinds exist and how each is computed comes from the features (core/feature.ts#ViewSpec):
 * a new feature registers its kinds rather than inventing another mechanism.
 */
export class LiveViews {
  private readonly keys = new Map<string, KeyState>();
  /** The last snapshot this instance computed per view (per key, for a keyed one), for joiners (see recent()); bounded, besides the idle sweep. */
  private readonly last = new BoundedMap<string, { at: number; snap: ViewSnapshot }>(MAX_SNAPSHOTS);
  /** The council of each meeting (it never changes), for views only some may see (see maySee()). */
  private readonly councils = new BoundedMap<MeetingId, CouncilId>(MAX_SNAPSHOTS);
  /** Computations under way, for recent() callers to share rather than start their own. */
  private readonly inflight = new Map<string, Promise<ViewSnapshot>>();
  /** Each view's delivery to this instance's sockets (room-delivery.ts), bounded, besides the idle sweep. */
  private readonly deliveries = new BoundedMap<string, RoomDelivery>(MAX_SNAPSHOTS);

  constructor(
    private readonly io: YishiServer,
    private readonly store: Store,
    private readonly log: Logger,
    /** True when other instances exist to relay to (Redis fan-out); the memory adapter has none. */
    private readonly relay: boolean,
    /** Every view kind the registered features compute (core/feature.ts#viewRegistry). */
    private readonly registry: ViewRegistry,
  ) {
    // A snapshot computed on another instance, for our sockets. Delivered here only, never
    // relayed again.
    // Kept as this instance's last snapshot too: a joiner here then gets what the room just got.
    // A refresh (see refresh()) whose data this instance's sockets already have is not written to them again.
    io.on('view', (snap, quietIfSame) => {
      this.remember(snap);
      // With changes on every instance, each computes and relays its own snapshots, and every
      // socket would get each instance's: 4 a second per instance (measured, two instances and
      // 2,000 participants moving: acks 1.7 s at p50, the fan-out doubled on two cores). When this
      // instance's own computation of the view is due within an interval and not yet started, it
      // will draw a higher version and read everything this snapshot read: this one is kept for
      // joiners (remember) but not delivered, and the room gets the newer one instead.
      const own = this.keys.get(idOf(snap.meetingId, snap.kind, snap.key));
      if (own && own.scheduled && !own.running && own.dueAt - Date.now() <= this.intervalOf(snap.kind)) return;
      void this.deliverLocally(snap, quietIfSame === true);
    });
  }

  /** The registered views, in registration order (meeting:join returns the unkeyed ones the caller may see). */
  kinds(): ViewSpec[] {
    return [...this.registry.values()];
  }

  /** Forgets views idle for IDLE_MS (see there); app.ts calls this on a timer. */
  sweep(now = Date.now()): void {
    for (const [key, hit] of this.last) if (now - hit.at > IDLE_MS) this.last.delete(key);
    for (const [key, s] of this.keys) if (!s.scheduled && !s.running && now - s.lastAt > IDLE_MS) this.keys.delete(key);
    for (const [key, d] of this.deliveries) if (!d.busy && now - d.at > IDLE_MS) this.deliveries.delete(key);
  }

  /** How many views this instance keeps state for (for tests and diagnostics). */
  get size(): { keys: number; snapshots: number } {
    return { keys: this.keys.size, snapshots: this.last.size };
  }

  /**
   * Something changed: a fresh snapshot goes out soon (coalesced with other changes). For a keyed
   * view, only that key's (pass the key exactly when the view is keyed: see ViewSpec#keyed).
   */
  invalidate(meetingId: MeetingId, kind: ViewKind, key?: string): void {
    this.schedule(meetingId, kind, key, true);
  }

  /**
   * Nothing known to have changed, but the view is computed again and relayed to the other
   * instances, to heal what they may have missed (an instance that died took its sockets along
   * without a word). Sockets, here and there, get it only if its data differs from what their
   * instance last delivered to them: a room of 5,000 is not written to every few seconds for nothing.
   */
  refresh(meetingId: MeetingId, kind: ViewKind, key?: string): void {
    this.schedule(meetingId, kind, key, false);
  }

  private schedule(meetingId: MeetingId, kind: ViewKind, key: string | undefined, changed: boolean): void {
    this.check(kind, key);
    const id = idOf(meetingId, kind, key);
    let s = this.keys.get(id);
    if (!s) {
      s = { meetingId, kind, key, lastAt: 0, scheduled: false, dueAt: 0, timer: null, running: false, rerun: false, changed: false, failures: 0 };
      this.keys.set(id, s);
    }
    if (changed) s.changed = true;
    if (s.scheduled) {
      // Due, and its timer has not fired: the loop is busy. Timers wait until the loop has taken
      // in every message that arrived, and a burst of ballots keeps it doing that for hundreds of
      // ms (measured: a 0 ms timer fired 25-230 ms late during 5,000 ballots), while the seals
      // that moved the tally call here as they commit. The change goes out now.
      if (changed && s.timer && s.dueAt <= Date.now()) {
        clearTimeout(s.timer);
        this.due(id, s, 0);
      }
      return;
    }
    this.due(id, s, Math.max(0, s.lastAt + this.intervalOf(kind) - Date.now()));
  }

  /**
   * Schedules the computation of a view in `wait` ms; with no wait, right after the code running
   * now (its other changes of this turn go with it), not behind a timer (see schedule()).
   */
  private due(id: string, s: KeyState, wait: number): void {
    s.scheduled = true;
    s.dueAt = Date.now() + wait;
    if (wait > 0) {
      s.timer = setTimeout(() => {
        s.timer = null;
        void this.flush(id);
      }, wait).unref();
    } else {
      s.timer = null;
      queueMicrotask(() => void this.flush(id));
    }
  }

  /**
   * Re-sends every view of each meeting followed by a socket on this instance: computed fresh,
   * delivered here and relayed to the others. Run when the fan-out returns from an outage, so that
   * what was missed meanwhile arrives without waiting for the next change.
   */
  resendActive(): void {
    const followed = new Set<MeetingId>();
    for (const room of this.io.of('/').adapter.rooms.keys()) {
      const meetingId = meetingIdOfRoom(room);
      if (meetingId) followed.add(meetingId);
    }
    for (const meetingId of followed) {
      for (const spec of this.registry.values()) if (!spec.keyed) this.invalidate(meetingId, spec.kind);
    }
    // Keyed views: the keys this instance knows of.
    for (const v of this.knownKeys().values()) if (followed.has(v.meetingId)) this.invalidate(v.meetingId, v.kind, v.key);
  }

  /**
   * An admin edited the council (a group renamed, added or removed; a member added or changed; the
   * quorum): every view that shows its set-up (ViewSpec#showsCouncil) is recomputed for each of its
   * meetings not closed (a closed meeting's views are frozen), keyed ones for the keys known here.
   * Computed on this instance and relayed to the others like any change (flush), so every phone
   * gets the edit whichever instance took the request.
   */
  async councilChanged(councilId: CouncilId): Promise<void> {
    const specs = [...this.registry.values()].filter((spec) => spec.showsCouncil);
    if (specs.length === 0) return;
    const meetings = new Set<MeetingId>();
    for (const m of await this.store.meetings.list(councilId)) if (m.state !== 'closed') meetings.add(m.id);
    for (const meetingId of meetings) for (const spec of specs) if (!spec.keyed) this.invalidate(meetingId, spec.kind);
    const keyed = new Set(specs.filter((spec) => spec.keyed).map((spec) => spec.kind));
    if (keyed.size === 0) return;
    for (const v of this.knownKeys().values()) if (keyed.has(v.kind) && meetings.has(v.meetingId)) this.invalidate(v.meetingId, v.kind, v.key);
  }

  /** The keyed views this instance knows of: recently computed, received or asked for. */
  private knownKeys(): Map<string, ViewId> {
    const keyed = new Map<string, ViewId>();
    for (const s of this.keys.values()) if (s.key !== undefined) keyed.set(idOf(s.meetingId, s.kind, s.key), s);
    for (const { snap } of this.last.values())
      if (snap.key !== undefined) keyed.set(idOf(snap.meetingId, snap.kind, snap.key), { meetingId: snap.meetingId, kind: snap.kind, key: snap.key });
    return keyed;
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
  async recent<K extends ViewKind>(meetingId: MeetingId, kind: K, key?: string, maxAgeMs = 1_000): Promise<ViewSnapshot<K>> {
    this.check(kind, key);
    const id = idOf(meetingId, kind, key);
    const hit = this.last.get(id);
    if (hit && Date.now() - hit.at <= maxAgeMs) return hit.snap as ViewSnapshot<K>;
    const running = this.inflight.get(id);
    if (running) return running as Promise<ViewSnapshot<K>>;
    return this.snapshot(meetingId, kind, key).catch((err: unknown) => {
      // The asker goes without (a join leaves the view out): a broadcast brings it once it can be
      // computed, retried if need be (flush), rather than whenever the next change happens.
      if (!(err instanceof AppError)) this.invalidate(meetingId, kind, key);
      throw err;
    });
  }

  /** A fresh computation (the broadcasts use this: it must see every change made before it). */
  async snapshot<K extends ViewKind>(meetingId: MeetingId, kind: K, key?: string): Promise<ViewSnapshot<K>>;
  async snapshot(meetingId: MeetingId, kind: ViewKind, key?: string): Promise<ViewSnapshot> {
    const id = idOf(meetingId, kind, key);
    const at = Date.now();
    const computing = this.compute(meetingId, kind, key);
    this.inflight.set(id, computing);
    try {
      const snap = await computing;
      const held = this.last.get(id);
      if (!held || held.at <= at) this.last.set(id, { at, snap });
      return snap;
    } finally {
      if (this.inflight.get(id) === computing) this.inflight.delete(id);
    }
  }

  /** Keeps a snapshot from another instance as the latest, when it is newer than the one held. */
  private remember(snap: ViewSnapshot): void {
    const id = idOf(snap.meetingId, snap.kind, snap.key);
    const held = this.last.get(id);
    if (!held || held.snap.version <= snap.version) this.last.set(id, { at: Date.now(), snap });
  }

  /** The least time between two pushes of a view of this kind by one instance. */
  private intervalOf(kind: ViewKind): number {
    return this.registry.get(kind)?.minIntervalMs ?? MIN_INTERVAL_MS;
  }

  /** A key exactly for a keyed view: asking for one key of an unkeyed view (or none of a keyed one) is a bug. */
  private check(kind: ViewKind, key: string | undefined): void {
    const spec = this.registry.get(kind);
    if (!spec) throw new Error(`no feature computes the ${kind} view`);
    if (Boolean(spec.keyed) !== (key !== undefined)) throw new Error(`the ${kind} view is ${spec.keyed ? '' : 'not '}keyed`);
  }

  private async compute(meetingId: MeetingId, kind: ViewKind, key: string | undefined): Promise<ViewSnapshot> {
    this.check(kind, key);
    const spec = this.registry.get(kind)!;
    const ctx: ViewContext = { store: this.store, io: this.io, nextVersion: () => this.nextVersion() };
    const { version, data } = await spec.compute(ctx, meetingId, key);
    // No `key` field at all on an unkeyed view: its wire form stays what it was.
    return (key === undefined ? { kind, meetingId, version, data } : { kind, meetingId, key, version, data }) as ViewSnapshot;
  }

  /**
   * The version of a derived view (presence, polls, tallies), taken before its computation reads
   * anything: from one database sequence (storage/view-versions.ts), so a computation started
   * later carries a higher version on whichever instance it runs, whatever the clocks say.
   */
  private nextVersion(): Promise<number> {
    return this.store.viewVersions.next();
  }

  private async flush(id: string): Promise<void> {
    const s = this.keys.get(id);
    if (!s) return;
    const { meetingId, kind, key } = s;
    // Run already, earlier than its timer (see schedule()).
    if (!s.scheduled) return;
    s.scheduled = false;
    if (s.running) {
      s.rerun = true;
      return;
    }
    s.running = true;
    s.lastAt = Date.now();
    const changed = s.changed;
    s.changed = false;
    let retryIn: number | null = null;
    try {
      const snap = await this.snapshot(meetingId, kind, key);
      s.failures = 0;
      // Other instances deliver it to their own sockets; this one to its own, in slices. The
      // delivery goes on while the next snapshot is computed (and takes that one over when it
      // is ready, room-delivery.ts).
      if (this.relay) this.io.serverSideEmit('view', snap, !changed);
      await this.deliverLocally(snap, !changed);
    } catch (err) {
      if (changed) s.changed = true;
      const final = err instanceof AppError || s.failures >= MAX_RETRIES;
      if (!final) retryIn = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** s.failures++);
      else s.failures = 0;
      this.log.child({ meetingId }).warn('live view failed', { kind, key, err, retryIn });
    } finally {
      s.running = false;
      if (retryIn !== null && !s.scheduled) {
        // Tried again later, whether or not something changed meanwhile (a change coalesces into it).
        s.rerun = false;
        this.due(id, s, retryIn);
      } else if (s.rerun) {
        s.rerun = false;
        this.schedule(meetingId, kind, key, false);
      }
    }
  }

  /**
   * Who may see a view whose action is more than following the meeting (a moderation log for
   * council members, a digest for moderators): each socket's principal checked with can(), as
   * meeting:join and view:get do. Every socket in the room has `meeting.view` already
   * (meeting:join checked it), so views needing only that go to the whole room (null).
   */
  private async maySee(snap: ViewSnapshot): Promise<((socketId: string) => boolean) | null> {
    const spec = this.registry.get(snap.kind);
    if (!spec || spec.action === 'meeting.view') return null;
    let councilId = this.councils.get(snap.meetingId);
    if (!councilId) {
      councilId = (await this.store.meetings.get(snap.meetingId)).councilId;
      this.councils.set(snap.meetingId, councilId);
    }
    const target = { councilId, meetingId: snap.meetingId };
    const sockets = this.io.of('/').sockets;
    const action = spec.action;
    return (id) => {
      const principal = sockets.get(id)?.data.principal;
      return principal !== undefined && can(principal, action, target);
    };
  }

  /**
   * Hands a snapshot to its view's delivery to this instance's sockets in the meeting's room
   * (those allowed to see it), which writes them a slice per loop turn (room-delivery.ts).
   * `quietIfSame`: not written again if its data is what this instance last delivered.
   */
  private async deliverLocally(snap: ViewSnapshot, quietIfSame: boolean): Promise<void> {
    const id = idOf(snap.meetingId, snap.kind, snap.key);
    let delivery = this.deliveries.get(id);
    if (!delivery) {
      const may = await this.maySee(snap);
      const room = meetingRoom(snap.meetingId);
      const rooms = this.io.of('/').adapter.rooms;
      const target: DeliveryTarget = {
        audience: () => {
          const ids = [...(rooms.get(room) ?? [])];
          return may ? ids.filter(may) : ids;
        },
        stillIn: (socketId) => rooms.get(room)?.has(socketId) === true,
        // Each socket is in a room named by its id: one encode per slice.
        send: (socketIds, s) => this.io.local.to(socketIds).emit('view', s),
      };
      // Another snapshot of this view may have made one while the council was looked up.
      delivery = this.deliveries.get(id) ?? new RoomDelivery(target, this.registry.get(snap.kind)?.deliveryPace);
      this.deliveries.set(id, delivery);
    }
    delivery.deliver(snap, quietIfSame);
  }
}
