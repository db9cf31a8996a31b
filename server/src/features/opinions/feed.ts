import type { MeetingId } from '@yishi/protocol';
import type { Logger } from '../../log.ts';
import type { YishiServer } from '../../realtime/types.ts';
import type { Store } from '../../storage/store.ts';
import { MODERATOR, PUBLIC, toCounts, toOpinion, type Audience } from './forms.ts';
import { itemOf, type OpinionRow } from './store.ts';

/** At most one push per thread per instance this often: changes in between go out together. */
const MIN_INTERVAL_MS = 250;
/** Sockets written per turn of the event loop (as live-views.ts). */
const DELIVERY_SLICE = 500;
/** Changes read per query while catching a thread's followers up. */
const BATCH = 500;
/**
 * How often each instance checks, from the database, whether a thread it serves moved without it
 * hearing (a change signal between instances lost while Redis was away): a lost signal heals
 * within this long even if nothing else happens.
 */
const POLL_MS = 2_000;

/** Socket.IO rooms of one thread's followers: the public form, and the moderators' form. */
export const threadRoom = (meetingId: string, thread: string) => `opinions:${meetingId}:${thread}`;
export const threadModRoom = (meetingId: string, thread: string) => `opinions-mod:${meetingId}:${thread}`;

interface ThreadState {
  meetingId: MeetingId;
  thread: string;
  /** The thread's last rev this instance pushed to its rooms (or the first follower's cursor). */
  pushed: number;
  lastAt: number;
  scheduled: boolean;
  running: boolean;
  rerun: boolean;
}

/**
 * Delivers the changes to a thread to the sockets following it on this instance, coalesced.
 *
 * A thread is a log: each change to it has a number of its meeting's sequence (store.ts), and the
 * numbers commit in order. This instance remembers, per thread it serves, the last number it
 * pushed; when the thread changes (here, or on another instance, which says so with one small
 * `opinions:changed` message through the adapter) it reads the changes after that number from the
 * database and pushes them as one `opinions:entries {from, to}` to the thread's rooms, at most
 * every MIN_INTERVAL_MS. Entries travel once, in the thread's own rooms: a phone following one
 * item receives that item's changes only, and never a whole thread. A follower whose cursor is
 * behind `from` (it missed something) asks `opinions:since` itself; see
 * packages/domain/src/opinions/thread.ts#applyPush.
 *
 * Why not a live view: views are snapshots that replace each other, which is right for counts
 * and wrong for a log that only grows (a snapshot of the tail loses what a slow client missed,
 * a snapshot of the thread resends it whole). The digest and the floor, which are snapshots, are
 * live views (feature.ts).
 */
export class OpinionFeed {
  private readonly threads = new Map<string, ThreadState>();
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly io: YishiServer,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly relay: boolean,
  ) {
    io.on('opinions:changed', (meetingId, thread) => this.schedule(meetingId as MeetingId, thread));
    this.poll = setInterval(() => void this.checkHeads().catch(() => undefined), POLL_MS);
    this.poll.unref();
  }

  stop(): void {
    clearInterval(this.poll);
  }

  /** A change committed here: push it to this instance's followers and tell the other instances. */
  changed(meetingId: MeetingId, thread: string): void {
    if (this.relay) this.io.serverSideEmit('opinions:changed', meetingId, thread);
    this.schedule(meetingId, thread);
  }

  /** A socket here follows a thread from `cursor` on: the first one sets where pushes start. */
  following(meetingId: MeetingId, thread: string, cursor: number): void {
    const key = `${meetingId}/${thread}`;
    if (!this.threads.has(key)) {
      this.threads.set(key, { meetingId, thread, pushed: cursor, lastAt: 0, scheduled: false, running: false, rerun: false });
    }
  }

  /** Re-reads every thread this instance serves (after the fan-out returns from an outage). */
  resendAll(): void {
    for (const s of this.threads.values()) this.schedule(s.meetingId, s.thread);
  }

  private followers(meetingId: string, thread: string): { pub: number; mod: number } {
    const rooms = this.io.of('/').adapter.rooms;
    return { pub: rooms.get(threadRoom(meetingId, thread))?.size ?? 0, mod: rooms.get(threadModRoom(meetingId, thread))?.size ?? 0 };
  }

  private schedule(meetingId: MeetingId, thread: string): void {
    const s = this.threads.get(`${meetingId}/${thread}`);
    // Nobody here follows it (no state): nothing to push.
    if (!s || s.scheduled) return;
    s.scheduled = true;
    const wait = Math.max(0, s.lastAt + MIN_INTERVAL_MS - Date.now());
    setTimeout(() => void this.flush(s), wait).unref();
  }

  private async flush(s: ThreadState): Promise<void> {
    s.scheduled = false;
    if (s.running) {
      s.rerun = true;
      return;
    }
    const { pub, mod } = this.followers(s.meetingId, s.thread);
    if (pub + mod === 0) {
      // The last follower here left: forget the thread (a new follower starts from its own cursor).
      this.threads.delete(`${s.meetingId}/${s.thread}`);
      return;
    }
    s.running = true;
    s.lastAt = Date.now();
    try {
      for (;;) {
        const from = s.pushed;
        const { rows, cursor, more } = await this.store.opinions.since(s.meetingId, s.thread, from, BATCH);
        const to = more ? rows.at(-1)!.rev : cursor;
        if (to <= from) break;
        if (pub > 0) await this.deliver(threadRoom(s.meetingId, s.thread), this.push(s, from, to, rows, PUBLIC));
        if (mod > 0) await this.deliver(threadModRoom(s.meetingId, s.thread), this.push(s, from, to, rows, MODERATOR));
        s.pushed = to;
        if (!more) break;
      }
    } catch (err) {
      this.log.child({ meetingId: s.meetingId }).warn('opinion push failed', { thread: s.thread, err });
      s.rerun = true;
    } finally {
      s.running = false;
      if (s.rerun) {
        s.rerun = false;
        this.schedule(s.meetingId, s.thread);
      }
    }
  }

  /**
   * One push. An opinion whose content has not changed since `from` goes as counts only: any
   * receiver that applies this push holds everything up to `from`, so it has that content.
   */
  private push(s: ThreadState, from: number, to: number, rows: OpinionRow[], audience: Audience) {
    const entries = [];
    const counts = [];
    for (const r of rows) {
      if (r.contentRev <= from) counts.push(toCounts(r, audience));
      else entries.push(toOpinion(r, audience));
    }
    return { meetingId: s.meetingId, itemId: itemOf(s.thread), from, to, entries, counts };
  }

  private async deliver(room: string, payload: Parameters<typeof this.io.emit<'opinions:entries'>>[1]): Promise<void> {
    const members = this.io.of('/').adapter.rooms.get(room);
    if (!members || members.size === 0) return;
    if (members.size <= DELIVERY_SLICE) {
      this.io.local.to(room).emit('opinions:entries', payload);
      return;
    }
    const ids = [...members];
    for (let i = 0; i < ids.length; i += DELIVERY_SLICE) {
      this.io.local.to(ids.slice(i, i + DELIVERY_SLICE)).emit('opinions:entries', payload);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Every POLL_MS: a thread whose meeting moved past what was pushed here is read again. */
  private async checkHeads(): Promise<void> {
    if (this.threads.size === 0) return;
    const meetings = [...new Set([...this.threads.values()].map((s) => s.meetingId))];
    const heads = await this.store.opinions.heads(meetings);
    for (const s of this.threads.values()) {
      // The meeting moved past what was pushed here: did this thread (one indexed read each)?
      if ((heads.get(s.meetingId) ?? 0) <= s.pushed || s.running || Date.now() - s.lastAt <= POLL_MS) continue;
      if ((await this.store.opinions.head(s.meetingId, s.thread)) > s.pushed) this.schedule(s.meetingId, s.thread);
    }
  }
}
