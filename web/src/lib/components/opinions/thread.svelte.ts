import { applyCatchUp, applyPush, emptyThread, type ThreadState } from '@yishi/domain';
import type { ApiError, MeetingId, Opinion } from '@yishi/protocol';
import { call, isJoined, onJoined, onOpinionEntries } from '$lib/live';

/**
 * One thread as this page follows it: the newest page first, then every change pushed to it
 * (opinions:entries, coalesced by the server), older pages on demand, and after a reconnect what
 * it missed since its last number: the domain's rules (thread.ts) keep it free of gaps and
 * duplicates. Only this thread's entries travel: a phone following one item never loads the rest.
 */
export class LiveThread {
  opinions = $state<Opinion[]>([]);
  muted = $state(false);
  verified = $state(false);
  ref = $state<string | null>(null);
  /** Older pages exist (by seq). */
  more = $state(false);
  loading = $state(true);
  error = $state<ApiError | null>(null);
  private readonly t: ThreadState = emptyThread();
  private stops: (() => void)[] = [];
  private catching: Promise<void> | null = null;
  private started = false;

  constructor(
    readonly meetingId: MeetingId,
    readonly itemId: string | null,
  ) {}

  start(): void {
    this.stops.push(
      onOpinionEntries((e) => {
        if (e.meetingId !== this.meetingId || e.itemId !== this.itemId) return;
        if (!this.started) return;
        if (applyPush(this.t, e) === 'gap') void this.catchUp();
        this.publish();
      }),
      // After every (re)join: follow again from the last number held (nothing missed, nothing twice).
      onJoined((id) => {
        if (id === this.meetingId) void this.follow();
      }),
    );
    if (isJoined(this.meetingId)) void this.follow();
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    void call('opinions:unfollow', { meetingId: this.meetingId, itemId: this.itemId });
  }

  /** Ours: by ref, or an anonymous one we posted (the public form names nobody). */
  isMine(o: Opinion): boolean {
    return (this.ref !== null && o.author.ref === this.ref) || this.t.mine.has(o.id);
  }

  /** Keeps what an ack returned (our own post or change) before its push arrives. */
  accept(o: Opinion, mine = false): void {
    if (mine) this.t.mine.add(o.id);
    const held = this.t.byId.get(o.id);
    if (!held || held.rev < o.rev) this.t.byId.set(o.id, o);
    this.publish();
  }

  private publish(): void {
    this.opinions = [...this.t.byId.values()];
  }

  private async follow(): Promise<void> {
    const first = !this.started;
    const r = await call('opinions:follow', { meetingId: this.meetingId, itemId: this.itemId, ...(first ? {} : { after: this.t.cursor }) });
    if (!r.ok) {
      this.error = r.error;
      this.loading = false;
      return;
    }
    this.error = null;
    this.muted = r.data.self.muted;
    this.verified = r.data.self.verified;
    this.ref = this.t.ref = r.data.self.ref;
    for (const id of r.data.self.mine) this.t.mine.add(id);
    if (first) {
      // The newest page: caught up to its cursor; `more` says older pages exist.
      for (const o of r.data.entries) this.t.byId.set(o.id, o);
      this.t.cursor = Math.max(this.t.cursor, r.data.cursor);
      this.more = r.data.more;
      this.started = true;
    } else if (applyCatchUp(this.t, r.data)) await this.catchUp();
    this.loading = false;
    this.publish();
  }

  private catchUp(): Promise<void> {
    this.catching ??= (async () => {
      try {
        for (;;) {
          const r = await call('opinions:since', { meetingId: this.meetingId, itemId: this.itemId, after: this.t.cursor });
          if (!r.ok) return;
          for (const id of r.data.self.mine) this.t.mine.add(id);
          // Until it holds all it has heard of: a gap pushed while this was asking is dropped above
          // (one catch-up at a time), and this answer may have been read before that push's changes.
          if (!applyCatchUp(this.t, r.data)) break;
        }
        this.publish();
      } finally {
        this.catching = null;
      }
    })();
    return this.catching;
  }

  /** The page before the oldest held (by seq). */
  async older(): Promise<void> {
    const oldest = Math.min(...[...this.t.byId.values()].map((o) => o.seq));
    const r = await call('opinions:page', { meetingId: this.meetingId, itemId: this.itemId, before: Number.isFinite(oldest) ? oldest : 2 ** 31 - 1 });
    if (!r.ok) {
      this.error = r.error;
      return;
    }
    for (const id of r.data.self.mine) this.t.mine.add(id);
    for (const o of r.data.entries) {
      const held = this.t.byId.get(o.id);
      if (!held || held.rev < o.rev) this.t.byId.set(o.id, o);
    }
    this.more = r.data.more;
    this.publish();
  }
}
