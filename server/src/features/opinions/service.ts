import { randomUUID } from 'node:crypto';
import { authorRef, type Principal } from '@yishi/domain';
import {
  GENERAL_THREAD_KEY,
  OPINION_LIMITS,
  type HideReason,
  type MeetingId,
  type MemberId,
  type Opinion,
  type OpinionId,
  type OpinionSelf,
  type ResidentId,
  type Stance,
} from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Limit, SharedLimiter } from '../../rate-limit.ts';
import type { LiveViews } from '../../realtime/live-views.ts';
import type { Store } from '../../storage/store.ts';
import type { OpinionFeed } from './feed.ts';
import { SecondWriter } from './second-writer.ts';
import { MODERATOR, toOpinion, type Audience } from './forms.ts';
import { threadOf, type AuthorInput, type OpinionRow } from './store.ts';

/** Whether an agenda item exists (services.agenda, issue 10). */
export interface AgendaItems {
  itemExists(meetingId: MeetingId, itemId: string): Promise<boolean>;
}

/** What another feature passes to post under a member's name (consensus: a block's reasons). */
export interface MemberPost {
  meetingId: MeetingId;
  /** The agenda item's thread, or null for the meeting's general thread. */
  itemId: string | null;
  memberId: MemberId;
  stance: Stance;
  text: string;
  /** A resend with the same key returns the same opinion; a fresh one per post by default. */
  clientKey?: string;
}

/** The digest view's key of a thread: the item's id, or `general`. */
export const digestKey = (itemId: string | null): string => itemId ?? GENERAL_THREAD_KEY;

/**
 * Threaded opinions (issue 11): the rules around the store (rate limits, agenda items, forms),
 * and what goes live after each change: the thread's followers (feed.ts), the item's digest,
 * the meeting's `opinions` view, the moderation log. Other features post through postAsMember.
 */
export class OpinionService {
  private readonly postLimit: SharedLimiter;
  private readonly secondLimit: SharedLimiter;
  private readonly seconds: SecondWriter;
  /** Set by the feature's start hook (it needs the Socket.IO server); until then changes only invalidate views. */
  feed: OpinionFeed | null = null;
  /** Which item ids are threads (null: any, for a server without the agenda feature). */
  private readonly items: AgendaItems | null;

  constructor(
    private readonly store: Store,
    private readonly live: LiveViews,
    limiter: (name: string, limit: Limit) => SharedLimiter,
    perMinute: { posts: number; seconds: number } = { posts: OPINION_LIMITS.postsPerMinute, seconds: OPINION_LIMITS.secondsPerMinute },
    /** The agenda (services.agenda): thread item ids are its items' ids. */
    items: AgendaItems | null = null,
  ) {
    this.items = items;
    this.seconds = new SecondWriter(store.opinions);
    this.postLimit = limiter('opinion-post', { points: perMinute.posts, perSeconds: 60 });
    this.secondLimit = limiter('opinion-second', { points: perMinute.seconds, perSeconds: 60 });
  }

  /** Refuses an item id the meeting's agenda does not have (null: the general thread). */
  async checkItem(meetingId: MeetingId, itemId: string | null): Promise<void> {
    if (itemId === null || !this.items) return;
    if (!(await this.items.itemExists(meetingId, itemId))) throw new AppError('unknown_item');
  }

  private async author(p: Principal): Promise<AuthorInput> {
    if (p.kind === 'resident') return { ref: authorRef(p), memberId: null, residentId: p.residentId, name: p.displayName, groupId: null };
    const m = await this.store.councils.memberById(p.memberId);
    if (!m || m.councilId !== p.councilId) throw new AppError('forbidden');
    return { ref: authorRef(p), memberId: p.memberId, residentId: null, name: m.name, groupId: m.groupId };
  }

  /** The form of an opinion for one principal: moderators', else the public one with the author's own text kept. */
  audienceOf(p: Principal, moderator: boolean): Audience {
    return moderator ? MODERATOR : { kind: 'public', viewerRef: authorRef(p) };
  }

  /**
   * What goes live after a change: the thread's followers and the item's digest always; the
   * meeting's `opinions` view (thread sizes, the floor) only when the change can alter it, since
   * it goes to every phone in the meeting: `counts` for a change of what a thread shows (a post,
   * a withdrawal, a hide), `floor` for a change to the opinion on the floor. A second or a report
   * of any other opinion leaves it as it was.
   */
  private changed(row: Pick<OpinionRow, 'meetingId' | 'thread'>, opts: { counts?: boolean; floor?: boolean; log?: boolean } = {}): void {
    const meetingId = row.meetingId as MeetingId;
    this.feed?.changed(meetingId, row.thread);
    this.live.invalidate(meetingId, 'opinionDigest', digestKey(row.thread === '' ? null : row.thread));
    if (opts.counts || opts.floor) this.live.invalidate(meetingId, 'opinions');
    if (opts.log) this.live.invalidate(meetingId, 'moderation');
  }

  private async limited(limiter: SharedLimiter, key: string): Promise<void> {
    if (!(await limiter.take(key))) throw new AppError('rate_limited');
  }

  /** Posts as the principal (from a socket), rate limited per author across instances. */
  async post(
    p: Principal,
    body: { meetingId: MeetingId; itemId: string | null; parentId?: string; stance?: Stance; text: string; anonymous: boolean; clientKey: string },
    audience: Audience,
  ): Promise<Opinion> {
    await this.checkItem(body.meetingId, body.itemId);
    const author = await this.author(p);
    await this.limited(this.postLimit, author.ref);
    const { row, created } = await this.store.opinions.post({
      meetingId: body.meetingId,
      thread: threadOf(body.itemId),
      parentId: body.parentId,
      stance: body.stance,
      text: body.text,
      anonymous: body.anonymous,
      clientKey: body.clientKey,
      author,
      principal: p,
    });
    if (created) this.changed(row, { counts: true });
    return toOpinion(row, audience);
  }

  /**
   * Posts under a member's name for another feature (consensus posts a block's reasons through
   * it): the member must belong to the meeting's council; the same rules as a member's own post,
   * without the rate limit (the calling feature has its own).
   */
  async postAsMember(m: MemberPost): Promise<Opinion> {
    const meeting = await this.store.meetings.get(m.meetingId);
    const member = await this.store.councils.memberById(m.memberId);
    if (!member || member.councilId !== meeting.councilId) throw new AppError('forbidden', 'not a member of this council');
    await this.checkItem(m.meetingId, m.itemId);
    const principal: Principal = {
      kind: 'member',
      memberId: m.memberId,
      councilId: meeting.councilId,
      role: member.role as Extract<Principal, { kind: 'member' }>['role'],
      name: member.name,
    };
    const { row, created } = await this.store.opinions.post({
      meetingId: m.meetingId,
      thread: threadOf(m.itemId),
      stance: m.stance,
      text: m.text,
      anonymous: false,
      clientKey: m.clientKey ?? randomUUID(),
      author: { ref: authorRef(principal), memberId: m.memberId, residentId: null, name: member.name, groupId: member.groupId },
      principal,
    });
    if (created) this.changed(row, { counts: true });
    return toOpinion(row, { kind: 'public', viewerRef: authorRef(principal) });
  }

  async edit(p: Principal, meetingId: MeetingId, id: OpinionId, text: string, audience: Audience): Promise<Opinion> {
    const { row, onFloor } = await this.store.opinions.edit(meetingId, id, p, authorRef(p), text);
    this.changed(row, { floor: onFloor });
    return toOpinion(row, audience);
  }

  async withdraw(p: Principal, meetingId: MeetingId, id: OpinionId, audience: Audience): Promise<Opinion> {
    const { row } = await this.store.opinions.withdraw(meetingId, id, authorRef(p));
    this.changed(row, { counts: true });
    return toOpinion(row, audience);
  }

  async second(p: Principal, meetingId: MeetingId, id: OpinionId, seconded: boolean): Promise<number> {
    await this.limited(this.secondLimit, authorRef(p));
    const { row, onFloor } = await this.seconds.submit({ meetingId, id, who: p, whoRef: authorRef(p), seconded });
    this.changed(row, { floor: onFloor });
    return row.seconds;
  }

  async report(p: Principal, meetingId: MeetingId, id: OpinionId): Promise<void> {
    await this.limited(this.secondLimit, authorRef(p));
    const row = await this.store.opinions.report(meetingId, id, authorRef(p));
    this.changed(row);
  }

  async hide(by: MemberId, meetingId: MeetingId, id: OpinionId, reason: HideReason, note: string | undefined): Promise<Opinion> {
    const { row } = await this.store.opinions.hide(meetingId, id, by, reason, note);
    this.changed(row, { counts: true, log: true });
    return toOpinion(row, MODERATOR);
  }

  async unhide(by: MemberId, meetingId: MeetingId, id: OpinionId): Promise<Opinion> {
    const row = await this.store.opinions.unhide(meetingId, id, by);
    this.changed(row, { counts: true, log: true });
    return toOpinion(row, MODERATOR);
  }

  async mute(by: MemberId, meetingId: MeetingId, residentId: ResidentId, muted: boolean, note: string | undefined): Promise<void> {
    await this.store.opinions.mute(meetingId, residentId, muted, by, note);
    this.live.invalidate(meetingId, 'moderation');
  }

  async setAnonymousAllowed(by: MemberId, meetingId: MeetingId, allowed: boolean): Promise<void> {
    await this.store.opinions.setAnonymousAllowed(meetingId, allowed, by);
    this.live.invalidate(meetingId, 'opinions');
    this.live.invalidate(meetingId, 'moderation');
  }

  async setFloor(meetingId: MeetingId, id: OpinionId | null): Promise<void> {
    await this.store.opinions.setFloor(meetingId, id);
    this.live.invalidate(meetingId, 'opinions');
  }

  async verify(p: Principal, meetingId: MeetingId, codeId: { meetingId: MeetingId } | undefined): Promise<void> {
    if (p.kind !== 'resident') throw new AppError('not_a_resident');
    if (!codeId || codeId.meetingId !== meetingId) throw new AppError('bad_credential');
    const threads = await this.store.opinions.verify(meetingId, p.residentId);
    // The floor's author may be this resident, now verified.
    for (const thread of threads) this.changed({ meetingId, thread }, { floor: true });
  }

  /** What a follower learns about itself, and which of the given entries are its own. */
  async self(p: Principal, rows: OpinionRow[]): Promise<OpinionSelf> {
    const ref = authorRef(p);
    const standing = p.kind === 'resident' ? await this.store.opinions.standing(p.residentId) : { muted: false, verified: false };
    return { ...standing, ref, mine: rows.filter((r) => r.authorRef === ref && r.anonymous).map((r) => r.id as OpinionId) };
  }
}
