import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import { editRefusal, hideRefusal, postRefusal, secondRefusal, threadRefusal, withdrawRefusal, type Principal } from '@yishi/domain';
import type { HideReason, MeetingId, MeetingState, MemberId, OpinionState, ResidentId, Stance } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { isUniqueViolation } from '../../storage/pg-errors.ts';
import {
  meetings,
  members,
  opinionMeetings,
  opinionModerationLog,
  opinionReports,
  opinionResidents,
  opinions,
  opinionSeconds,
  residents,
} from '../../storage/schema.ts';

export type OpinionRow = typeof opinions.$inferSelect;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The general thread's `thread` column ('' in SQL, null on the wire). */
export const GENERAL_THREAD = '';
export const threadOf = (itemId: string | null): string => itemId ?? GENERAL_THREAD;
export const itemOf = (thread: string): string | null => (thread === GENERAL_THREAD ? null : thread);

export function stateOf(r: Pick<OpinionRow, 'withdrawnAt' | 'hiddenReason'>): OpinionState {
  if (r.withdrawnAt) return 'withdrawn';
  if (r.hiddenReason) return 'hidden';
  return 'visible';
}

/** Who posts, as the store records it. */
export interface AuthorInput {
  ref: string;
  memberId: MemberId | null;
  residentId: ResidentId | null;
  name: string;
  groupId: string | null;
}

export interface PostInput {
  meetingId: MeetingId;
  thread: string;
  parentId?: string;
  stance?: Stance;
  text: string;
  anonymous: boolean;
  clientKey: string;
  author: AuthorInput;
  /** The principal, for the domain's rules. */
  principal: Principal;
}

/** One second (or a second taken back) for secondMany. */
export interface SecondInput {
  meetingId: MeetingId;
  id: string;
  who: Principal;
  whoRef: string;
  seconded: boolean;
}

export interface SecondOutcome {
  row: OpinionRow;
  /** The opinion is on the floor (the meeting's opinions view shows its seconds). */
  onFloor: boolean;
}

export interface ModerationLogRow {
  id: number;
  at: Date;
  action: string;
  actorMemberId: string;
  actorName: string;
  opinionId: string | null;
  subject: string | null;
  reason: string | null;
  note: string | null;
}

const PAGE_MAX = 500;

/**
 * Threaded opinions (issue 11). Every change to a meeting's threads takes the next number of the
 * meeting's sequence (opinion_meetings.seq) in the transaction that makes it: the row stays locked
 * until the commit, so numbers commit in order, and a reader that sees number n has every change
 * up to n. Each change locks in the same order (meeting row shared, then the opinion, then the
 * sequence), so two changes never wait on each other in a cycle. Refusals are AppErrors thrown
 * inside the transaction: nothing changes.
 */
export class OpinionStore {
  constructor(private readonly db: Db) {}

  /**
   * The meeting's state, read with a shared lock so that a close waits for changes under way; with
   * the standing of the resident `who` is (one query: a post or a second is a handful of them on
   * a single-threaded engine, each counts).
   */
  private async openMeeting(
    tx: Tx,
    meetingId: MeetingId,
    who?: Principal,
  ): Promise<{ councilId: string; state: MeetingState; standing: { muted: boolean; verified: boolean } }> {
    const residentId = who?.kind === 'resident' ? who.residentId : null;
    const [m] = await tx
      .select({ councilId: meetings.councilId, state: meetings.state, mutedAt: opinionResidents.mutedAt, verifiedAt: opinionResidents.verifiedAt })
      .from(meetings)
      .leftJoin(opinionResidents, residentId ? eq(opinionResidents.residentId, residentId) : sql`false`)
      .where(eq(meetings.id, meetingId))
      .for('share', { of: meetings });
    if (!m) throw new AppError('not_found', 'meeting');
    const refusal = threadRefusal(m.state as MeetingState);
    if (refusal) throw new AppError(refusal);
    return { councilId: m.councilId, state: m.state as MeetingState, standing: { muted: Boolean(m.mutedAt), verified: Boolean(m.verifiedAt) } };
  }

  /** The next number of the meeting's sequence; holds its row until the commit. */
  private async bump(tx: Tx, meetingId: MeetingId, by = 1): Promise<{ seq: number; anonymousAllowed: boolean; floorOpinionId: string | null }> {
    const [row] = await tx
      .insert(opinionMeetings)
      .values({ meetingId, seq: by })
      .onConflictDoUpdate({ target: opinionMeetings.meetingId, set: { seq: sql`${opinionMeetings.seq} + ${by}` } })
      .returning({ seq: opinionMeetings.seq, anonymousAllowed: opinionMeetings.anonymousAllowed, floorOpinionId: opinionMeetings.floorOpinionId });
    return row!;
  }

  private async residentStanding(tx: Tx | Db, residentId: string): Promise<{ muted: boolean; verified: boolean }> {
    const [r] = await tx
      .select({ mutedAt: opinionResidents.mutedAt, verifiedAt: opinionResidents.verifiedAt })
      .from(opinionResidents)
      .where(eq(opinionResidents.residentId, residentId));
    return { muted: Boolean(r?.mutedAt), verified: Boolean(r?.verifiedAt) };
  }

  private async lockOpinion(tx: Tx, meetingId: MeetingId, id: string): Promise<OpinionRow> {
    const [row] = await tx
      .select()
      .from(opinions)
      .where(and(eq(opinions.id, id), eq(opinions.meetingId, meetingId)))
      .for('update');
    if (!row) throw new AppError('not_found', 'opinion');
    return row;
  }

  /** Refuses a muted resident (a member is never muted), from the standing openMeeting read. */
  private notMuted(author: Principal, standing: { muted: boolean; verified: boolean }): { verified: boolean } {
    if (author.kind !== 'resident') return { verified: false };
    if (standing.muted) throw new AppError('muted');
    return standing;
  }

  /**
   * Posts an opinion or a reply. A resend with the same client key (after a lost ack) returns
   * the opinion posted the first time, unchanged (`created: false`).
   */
  async post(input: PostInput): Promise<{ row: OpinionRow; created: boolean }> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const { standing } = await this.openMeeting(tx, input.meetingId, input.principal);
        const { verified } = this.notMuted(input.principal, standing);
        let parent: OpinionRow | undefined;
        if (input.parentId) {
          [parent] = await tx
            .select()
            .from(opinions)
            .where(and(eq(opinions.id, input.parentId), eq(opinions.meetingId, input.meetingId), eq(opinions.thread, input.thread)));
          if (!parent) throw new AppError('invalid_input', 'no such opinion in this thread', ['parentId']);
        }
        const { seq, anonymousAllowed } = await this.bump(tx, input.meetingId);
        const refusal = postRefusal(
          input.principal,
          { parent: parent ? { depth: parent.depth, state: stateOf(parent) } : undefined, stance: input.stance, anonymous: input.anonymous },
          anonymousAllowed,
        );
        if (refusal) throw new AppError(refusal.code, refusal.code, refusal.field ? [refusal.field] : undefined);
        const [inserted] = await tx
          .insert(opinions)
          .values({
            id: randomUUID(),
            meetingId: input.meetingId,
            thread: input.thread,
            seq,
            rev: seq,
            contentRev: seq,
            parentId: parent?.id ?? null,
            depth: parent ? parent.depth + 1 : 0,
            replyingTo: parent ? (parent.anonymous ? null : parent.authorName) : null,
            stance: input.stance ?? null,
            text: input.text,
            authorRef: input.author.ref,
            authorMemberId: input.author.memberId,
            authorResidentId: input.author.residentId,
            authorName: input.author.name,
            authorGroupId: input.author.groupId,
            verified,
            anonymous: input.anonymous,
            clientKey: input.clientKey,
          })
          .returning();
        return inserted!;
      });
      return { row, created: true };
    } catch (err) {
      // A resend (after a lost ack) returns the first post, whatever has changed since (the
      // meeting closed, the author muted), as when it was looked up before the transaction: only
      // a failed post pays for the look-up. Two resends racing: the second finds the first's row.
      if (err instanceof AppError || isUniqueViolation(err, 'opinions_client_key_idx')) {
        const row = await this.byClientKey(input);
        if (row) return { row, created: false };
      }
      throw err;
    }
  }

  private async byClientKey(input: Pick<PostInput, 'meetingId' | 'author' | 'clientKey'>): Promise<OpinionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(opinions)
      .where(and(eq(opinions.meetingId, input.meetingId), eq(opinions.authorRef, input.author.ref), eq(opinions.clientKey, input.clientKey)));
    return row;
  }

  /** The author edits within the window (the database's clock); marked edited. */
  async edit(
    meetingId: MeetingId,
    id: string,
    author: Principal,
    authorRefValue: string,
    text: string,
  ): Promise<{ row: OpinionRow; onFloor: boolean }> {
    return this.db.transaction(async (tx) => {
      const { standing } = await this.openMeeting(tx, meetingId, author);
      const row = await this.lockOpinion(tx, meetingId, id);
      const [age] = await tx
        .select({ ms: sql<number>`(extract(epoch FROM now() - ${opinions.createdAt}) * 1000)::float8` })
        .from(opinions)
        .where(eq(opinions.id, id));
      const ageMs = Number(age!.ms);
      const refusal = editRefusal(row.authorRef === authorRefValue, stateOf(row), Number(ageMs));
      if (refusal) throw new AppError(refusal);
      this.notMuted(author, standing);
      const { seq, floorOpinionId } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ text, editedAt: sql`now()`, rev: seq, contentRev: seq })
        .where(eq(opinions.id, id))
        .returning();
      return { row: updated!, onFloor: floorOpinionId === id };
    });
  }

  /** The author withdraws (a placeholder stays); off the floor if it was there. */
  async withdraw(meetingId: MeetingId, id: string, authorRefValue: string): Promise<{ row: OpinionRow; offFloor: boolean }> {
    return this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      const row = await this.lockOpinion(tx, meetingId, id);
      const refusal = withdrawRefusal(row.authorRef === authorRefValue, stateOf(row));
      if (refusal) throw new AppError(refusal);
      const { seq, floorOpinionId } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ withdrawnAt: sql`now()`, rev: seq, contentRev: seq })
        .where(eq(opinions.id, id))
        .returning();
      const offFloor = floorOpinionId === id;
      if (offFloor) await tx.update(opinionMeetings).set({ floorOpinionId: null, floorAt: null }).where(eq(opinionMeetings.meetingId, meetingId));
      return { row: updated!, offFloor };
    });
  }

  /** Seconds (附议) an opinion once per participant, or takes the second back; `onFloor`: the opinion is on the floor. */
  async second(meetingId: MeetingId, id: string, who: Principal, whoRef: string, seconded: boolean): Promise<{ row: OpinionRow; onFloor: boolean }> {
    return this.db.transaction(async (tx) => {
      const { standing } = await this.openMeeting(tx, meetingId, who);
      const row = await this.lockOpinion(tx, meetingId, id);
      if (seconded) {
        const refusal = secondRefusal(row.authorRef === whoRef, stateOf(row));
        if (refusal) throw new AppError(refusal);
        this.notMuted(who, standing);
        const added = await tx.insert(opinionSeconds).values({ opinionId: id, voterRef: whoRef }).onConflictDoNothing().returning();
        if (added.length === 0) throw new AppError('already_seconded');
      } else {
        const removed = await tx
          .delete(opinionSeconds)
          .where(and(eq(opinionSeconds.opinionId, id), eq(opinionSeconds.voterRef, whoRef)))
          .returning();
        if (removed.length === 0) throw new AppError('not_seconded');
      }
      const { seq, floorOpinionId } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ seconds: sql`${opinions.seconds} + ${seconded ? 1 : -1}`, rev: seq })
        .where(eq(opinions.id, id))
        .returning();
      return { row: updated!, onFloor: floorOpinionId === id };
    });
  }

  /**
   * Many seconds (and seconds taken back) in one transaction, each with its own outcome, as if
   * made one after the other in the given order: the group commit of OpinionService (a room
   * seconding at 20 a second is otherwise 20 transactions of seven statements each, on an engine
   * that runs one statement at a time). The same locks in the same order as second(): the
   * meetings shared, the opinions (by id), then the sequence; every opinion changed takes one
   * number, and its row comes back as it stands at the commit.
   */
  async secondMany(items: readonly SecondInput[]): Promise<(SecondOutcome | AppError)[]> {
    return this.db.transaction(async (tx) => {
      const out: (SecondOutcome | AppError)[] = new Array(items.length);
      const meetingIds = [...new Set(items.map((i) => i.meetingId))].sort();
      const states = await tx.select({ id: meetings.id, state: meetings.state }).from(meetings).where(inArray(meetings.id, meetingIds)).for('share');
      const meetingState = new Map(states.map((m) => [m.id, m.state as MeetingState]));
      const residentIds = [...new Set(items.flatMap((i) => (i.who.kind === 'resident' ? [i.who.residentId] : [])))];
      const muted = new Set(
        residentIds.length === 0
          ? []
          : (
              await tx
                .select({ residentId: opinionResidents.residentId, mutedAt: opinionResidents.mutedAt })
                .from(opinionResidents)
                .where(inArray(opinionResidents.residentId, residentIds))
            )
              .filter((r) => r.mutedAt)
              .map((r) => r.residentId),
      );
      const ids = [...new Set(items.map((i) => i.id))].sort();
      const rows = new Map(
        (await tx.select().from(opinions).where(inArray(opinions.id, ids)).orderBy(asc(opinions.id)).for('update')).map((r) => [r.id, r]),
      );
      // Who has seconded what, for these opinions (read under their locks: every change of seconds takes them first).
      const refs = [...new Set(items.map((i) => i.whoRef))];
      const pairKey = (id: string, ref: string) => `${id} ${ref}`;
      const held = new Set(
        (
          await tx
            .select({ opinionId: opinionSeconds.opinionId, voterRef: opinionSeconds.voterRef })
            .from(opinionSeconds)
            .where(and(inArray(opinionSeconds.opinionId, ids), inArray(opinionSeconds.voterRef, refs)))
        ).map((r) => pairKey(r.opinionId, r.voterRef)),
      );
      const before = new Set(held);
      /** Per changed opinion, in the order of its first change: the net change of its count. */
      const delta = new Map<string, number>();
      items.forEach((item, k) => {
        const state = meetingState.get(item.meetingId);
        const threadRefused = state === undefined ? null : threadRefusal(state);
        const row = rows.get(item.id);
        const key = pairKey(item.id, item.whoRef);
        let refusal: AppError | null = null;
        if (state === undefined) refusal = new AppError('not_found', 'meeting');
        else if (threadRefused) refusal = new AppError(threadRefused);
        else if (!row || row.meetingId !== item.meetingId) refusal = new AppError('not_found', 'opinion');
        else if (item.seconded) {
          const r = secondRefusal(row.authorRef === item.whoRef, stateOf(row));
          if (r) refusal = new AppError(r);
          else if (item.who.kind === 'resident' && muted.has(item.who.residentId)) refusal = new AppError('muted');
          else if (held.has(key)) refusal = new AppError('already_seconded');
        } else if (!held.has(key)) refusal = new AppError('not_seconded');
        if (refusal) {
          out[k] = refusal;
          return;
        }
        if (item.seconded) held.add(key);
        else held.delete(key);
        delta.set(item.id, (delta.get(item.id) ?? 0) + (item.seconded ? 1 : -1));
      });
      if (delta.size > 0) {
        const added = [...held].filter((x) => !before.has(x));
        const removed = [...before].filter((x) => !held.has(x));
        const pair = (x: string) => {
          const [opinionId, voterRef] = [x.slice(0, x.indexOf(' ')), x.slice(x.indexOf(' ') + 1)];
          return { opinionId, voterRef };
        };
        if (added.length > 0) await tx.insert(opinionSeconds).values(added.map(pair));
        for (const x of removed) {
          const { opinionId, voterRef } = pair(x);
          await tx.delete(opinionSeconds).where(and(eq(opinionSeconds.opinionId, opinionId), eq(opinionSeconds.voterRef, voterRef)));
        }
        // One number per changed opinion, from its meeting's sequence, in the order of the first change.
        const changes: { id: string; delta: number; rev: number }[] = [];
        const floor = new Map<string, string | null>();
        for (const meetingId of meetingIds) {
          const mine = [...delta].filter(([id]) => rows.get(id)!.meetingId === meetingId);
          if (mine.length === 0) continue;
          const { seq, floorOpinionId } = await this.bump(tx, meetingId as MeetingId, mine.length);
          floor.set(meetingId, floorOpinionId);
          mine.forEach(([id, d], n) => changes.push({ id, delta: d, rev: seq - mine.length + 1 + n }));
        }
        await tx.execute(sql`
          UPDATE opinions SET seconds = opinions.seconds + d.delta, rev = d.rev
          FROM jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) AS d(id uuid, delta int, rev int)
          WHERE opinions.id = d.id`);
        const fresh = new Map(
          (
            await tx
              .select()
              .from(opinions)
              .where(inArray(opinions.id, [...delta.keys()]))
          ).map((r) => [r.id, r]),
        );
        items.forEach((item, k) => {
          if (out[k]) return;
          out[k] = { row: fresh.get(item.id)!, onFloor: floor.get(item.meetingId) === item.id };
        });
      }
      return out;
    });
  }

  /** Reports an opinion, once per participant; moderators see the count. */
  async report(meetingId: MeetingId, id: string, whoRef: string): Promise<OpinionRow> {
    return this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      const row = await this.lockOpinion(tx, meetingId, id);
      const refusal = secondRefusal(row.authorRef === whoRef, stateOf(row));
      if (refusal) throw new AppError(refusal);
      const added = await tx.insert(opinionReports).values({ opinionId: id, reporterRef: whoRef }).onConflictDoNothing().returning();
      if (added.length === 0) throw new AppError('already_reported');
      const { seq } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ reports: sql`${opinions.reports} + 1`, rev: seq })
        .where(eq(opinions.id, id))
        .returning();
      return updated!;
    });
  }

  /** A moderator hides an opinion with a reason, logged; off the floor if it was there. */
  async hide(
    meetingId: MeetingId,
    id: string,
    by: MemberId,
    reason: HideReason,
    note: string | undefined,
  ): Promise<{ row: OpinionRow; offFloor: boolean }> {
    return this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      const row = await this.lockOpinion(tx, meetingId, id);
      const refusal = hideRefusal(stateOf(row), reason, note);
      if (refusal) throw new AppError(refusal.code, refusal.code, refusal.field ? [refusal.field] : undefined);
      const { seq, floorOpinionId } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ hiddenReason: reason, hiddenNote: note?.trim() || null, hiddenBy: by, hiddenAt: sql`now()`, rev: seq, contentRev: seq })
        .where(eq(opinions.id, id))
        .returning();
      await tx
        .insert(opinionModerationLog)
        .values({ meetingId, actorMemberId: by, action: 'hide', opinionId: id, reason, note: note?.trim() || null });
      const offFloor = floorOpinionId === id;
      if (offFloor) await tx.update(opinionMeetings).set({ floorOpinionId: null, floorAt: null }).where(eq(opinionMeetings.meetingId, meetingId));
      return { row: updated!, offFloor };
    });
  }

  /** A moderator shows a hidden opinion again, logged. */
  async unhide(meetingId: MeetingId, id: string, by: MemberId): Promise<OpinionRow> {
    return this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      const row = await this.lockOpinion(tx, meetingId, id);
      if (stateOf(row) !== 'hidden') throw new AppError('not_hidden');
      const { seq } = await this.bump(tx, meetingId);
      const [updated] = await tx
        .update(opinions)
        .set({ hiddenReason: null, hiddenNote: null, hiddenBy: null, hiddenAt: null, rev: seq, contentRev: seq })
        .where(eq(opinions.id, id))
        .returning();
      await tx.insert(opinionModerationLog).values({ meetingId, actorMemberId: by, action: 'unhide', opinionId: id, reason: row.hiddenReason });
      return updated!;
    });
  }

  /** A moderator mutes (or unmutes) a resident session of this meeting, logged. */
  async mute(meetingId: MeetingId, residentId: ResidentId, muted: boolean, by: MemberId, note: string | undefined): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      const [r] = await tx
        .select({ id: residents.id })
        .from(residents)
        .where(and(eq(residents.id, residentId), eq(residents.meetingId, meetingId)));
      if (!r) throw new AppError('not_a_resident');
      await tx
        .insert(opinionResidents)
        .values({ residentId, meetingId, mutedAt: muted ? sql`now()` : null })
        .onConflictDoUpdate({ target: opinionResidents.residentId, set: { mutedAt: muted ? sql`now()` : null } });
      await tx
        .insert(opinionModerationLog)
        .values({ meetingId, actorMemberId: by, action: muted ? 'mute' : 'unmute', residentId, note: note?.trim() || null });
    });
  }

  /**
   * A resident proved a household with a voting code of this meeting: their posts are marked
   * verified from now on, and the ones they posted before too (each a change of the thread).
   * Returns the threads changed.
   */
  async verify(meetingId: MeetingId, residentId: ResidentId): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx
        .insert(opinionResidents)
        .values({ residentId, meetingId, verifiedAt: sql`now()` })
        .onConflictDoUpdate({ target: opinionResidents.residentId, set: { verifiedAt: sql`now()` } });
      const mine = await tx
        .select({ id: opinions.id, thread: opinions.thread })
        .from(opinions)
        .where(and(eq(opinions.meetingId, meetingId), eq(opinions.authorResidentId, residentId), eq(opinions.verified, false)))
        .orderBy(asc(opinions.seq))
        .for('update');
      for (const o of mine) {
        const { seq } = await this.bump(tx, meetingId);
        await tx.update(opinions).set({ verified: true, rev: seq, contentRev: seq }).where(eq(opinions.id, o.id));
      }
      return [...new Set(mine.map((o) => o.thread))];
    });
  }

  /** The facilitator allows (or stops) anonymous residents' posts, logged. */
  async setAnonymousAllowed(meetingId: MeetingId, allowed: boolean, by: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      await tx
        .insert(opinionMeetings)
        .values({ meetingId, anonymousAllowed: allowed })
        .onConflictDoUpdate({ target: opinionMeetings.meetingId, set: { anonymousAllowed: allowed } });
      await tx.insert(opinionModerationLog).values({ meetingId, actorMemberId: by, action: allowed ? 'anonymous_allowed' : 'anonymous_disallowed' });
    });
  }

  /** The facilitator puts a shown opinion on the floor, or clears it (null). */
  async setFloor(meetingId: MeetingId, id: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.openMeeting(tx, meetingId);
      if (id !== null) {
        const row = await this.lockOpinion(tx, meetingId, id);
        if (stateOf(row) !== 'visible') throw new AppError('opinion_gone');
      }
      await tx
        .insert(opinionMeetings)
        .values({ meetingId, floorOpinionId: id, floorAt: id ? sql`now()` : null })
        .onConflictDoUpdate({ target: opinionMeetings.meetingId, set: { floorOpinionId: id, floorAt: id ? sql`now()` : null } });
    });
  }

  // ---- reads ----

  async get(meetingId: MeetingId, id: string): Promise<OpinionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(opinions)
      .where(and(eq(opinions.id, id), eq(opinions.meetingId, meetingId)));
    return row;
  }

  async settings(meetingId: MeetingId): Promise<{ seq: number; anonymousAllowed: boolean; floorOpinionId: string | null; floorAt: Date | null }> {
    const [row] = await this.db.select().from(opinionMeetings).where(eq(opinionMeetings.meetingId, meetingId));
    return row ?? { seq: 0, anonymousAllowed: false, floorOpinionId: null, floorAt: null };
  }

  /** A resident's standing in its meeting (members are never muted nor verified). */
  async standing(residentId: ResidentId): Promise<{ muted: boolean; verified: boolean }> {
    return this.residentStanding(this.db, residentId);
  }

  /** A thread's last change: the highest rev among its opinions (0 for none), read in the caller's snapshot. */
  private async threadHead(tx: Tx | Db, meetingId: MeetingId, thread: string): Promise<number> {
    const [row] = await tx
      .select({ rev: sql<number | null>`max(${opinions.rev})` })
      .from(opinions)
      .where(and(eq(opinions.meetingId, meetingId), eq(opinions.thread, thread)));
    return Number(row?.rev ?? 0);
  }

  /**
   * A thread's changes after `after`, oldest first, at most `limit`, and the thread's last rev read
   * in the same snapshot (the cursor to continue from when nothing more is left).
   */
  async since(meetingId: MeetingId, thread: string, after: number, limit: number): Promise<{ rows: OpinionRow[]; cursor: number; more: boolean }> {
    const n = Math.min(limit, PAGE_MAX);
    return this.db.transaction(
      async (tx) => {
        const cursor = await this.threadHead(tx, meetingId, thread);
        const rows = await tx
          .select()
          .from(opinions)
          .where(and(eq(opinions.meetingId, meetingId), eq(opinions.thread, thread), gt(opinions.rev, after)))
          .orderBy(asc(opinions.rev))
          .limit(n + 1);
        const more = rows.length > n;
        return { rows: rows.slice(0, n), cursor, more };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  /** The page of opinions posted before `before` (by seq; null: the newest), newest first; with the thread's cursor. */
  async page(
    meetingId: MeetingId,
    thread: string,
    before: number | null,
    limit: number,
  ): Promise<{ rows: OpinionRow[]; cursor: number; more: boolean }> {
    const n = Math.min(limit, PAGE_MAX);
    return this.db.transaction(
      async (tx) => {
        const cursor = await this.threadHead(tx, meetingId, thread);
        const where = [eq(opinions.meetingId, meetingId), eq(opinions.thread, thread)];
        if (before !== null) where.push(lt(opinions.seq, before));
        const rows = await tx
          .select()
          .from(opinions)
          .where(and(...where))
          .orderBy(desc(opinions.seq))
          .limit(n + 1);
        return { rows: rows.slice(0, n), cursor, more: rows.length > n };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
  }

  /** A thread's last rev (see threadHead). */
  async head(meetingId: MeetingId, thread: string): Promise<number> {
    return this.threadHead(this.db, meetingId, thread);
  }

  /** The sequence number each meeting has reached (0 for one without opinions yet). */
  async heads(meetingIds: readonly MeetingId[]): Promise<Map<MeetingId, number>> {
    const out = new Map<MeetingId, number>();
    if (meetingIds.length === 0) return out;
    const rows = await this.db
      .select({ meetingId: opinionMeetings.meetingId, seq: opinionMeetings.seq })
      .from(opinionMeetings)
      .where(inArray(opinionMeetings.meetingId, [...meetingIds]));
    for (const r of rows) out.set(r.meetingId as MeetingId, r.seq);
    return out;
  }

  /** Shown opinions and replies per thread. */
  async threadCounts(meetingId: MeetingId): Promise<{ thread: string; count: number }[]> {
    return this.db
      .select({ thread: opinions.thread, count: count() })
      .from(opinions)
      .where(and(eq(opinions.meetingId, meetingId), isNull(opinions.withdrawnAt), isNull(opinions.hiddenReason)))
      .groupBy(opinions.thread)
      .orderBy(asc(opinions.thread));
  }

  /** An item's digest: shown top-level opinions by stance and group (residents apart), replies, the most seconded. */
  async digest(
    meetingId: MeetingId,
    thread: string,
    top: number,
  ): Promise<{ counts: { stance: string; group: string; count: number }[]; replies: number; top: OpinionRow[] }> {
    const shown = and(eq(opinions.meetingId, meetingId), eq(opinions.thread, thread), isNull(opinions.withdrawnAt), isNull(opinions.hiddenReason));
    const group = sql<string>`CASE WHEN ${opinions.authorResidentId} IS NOT NULL OR ${opinions.authorGroupId} IS NULL THEN 'residents' ELSE ${opinions.authorGroupId}::text END`;
    const [counts, [replies], best] = await Promise.all([
      this.db
        .select({ stance: opinions.stance, group, count: count() })
        .from(opinions)
        .where(and(shown, eq(opinions.depth, 0)))
        .groupBy(opinions.stance, group),
      this.db
        .select({ n: count() })
        .from(opinions)
        .where(and(shown, gt(opinions.depth, 0))),
      this.db
        .select()
        .from(opinions)
        .where(and(shown, gt(opinions.seconds, 0)))
        .orderBy(desc(opinions.seconds), asc(opinions.seq))
        .limit(top),
    ]);
    return {
      counts: counts.map((c) => ({ stance: c.stance ?? '', group: c.group, count: Number(c.count) })),
      replies: Number(replies?.n ?? 0),
      top: best,
    };
  }

  /** The meeting's moderation log, newest first, with names. */
  async moderationLog(meetingId: MeetingId, limit: number): Promise<ModerationLogRow[]> {
    const rows = await this.db
      .select({
        id: opinionModerationLog.id,
        at: opinionModerationLog.at,
        action: opinionModerationLog.action,
        actorMemberId: opinionModerationLog.actorMemberId,
        actorName: members.name,
        opinionId: opinionModerationLog.opinionId,
        residentName: residents.displayName,
        authorName: opinions.authorName,
        reason: opinionModerationLog.reason,
        note: opinionModerationLog.note,
      })
      .from(opinionModerationLog)
      .innerJoin(members, eq(members.id, opinionModerationLog.actorMemberId))
      .leftJoin(residents, eq(residents.id, opinionModerationLog.residentId))
      .leftJoin(opinions, eq(opinions.id, opinionModerationLog.opinionId))
      .where(eq(opinionModerationLog.meetingId, meetingId))
      .orderBy(desc(opinionModerationLog.id))
      .limit(limit);
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      action: r.action,
      actorMemberId: r.actorMemberId,
      actorName: r.actorName,
      opinionId: r.opinionId,
      subject: r.residentName ?? r.authorName ?? null,
      reason: r.reason,
      note: r.note,
    }));
  }

  /** The meeting's muted resident sessions. */
  async muted(meetingId: MeetingId): Promise<{ residentId: string; name: string; at: Date }[]> {
    const rows = await this.db
      .select({ residentId: opinionResidents.residentId, name: residents.displayName, at: opinionResidents.mutedAt })
      .from(opinionResidents)
      .innerJoin(residents, eq(residents.id, opinionResidents.residentId))
      .where(and(eq(opinionResidents.meetingId, meetingId), sql`${opinionResidents.mutedAt} IS NOT NULL`))
      .orderBy(asc(opinionResidents.mutedAt));
    return rows.map((r) => ({ residentId: r.residentId, name: r.name, at: r.at! }));
  }
}
