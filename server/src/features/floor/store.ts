import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { orderRanks, rankForNewHand } from '@yishi/domain';
import { DEFAULT_FLOOR_LIMITS, FLOOR_LIMITS } from '@yishi/protocol/constants';
import type { DisplayMode, FloorKind, FloorLimits, FloorRequestId, GroupId, MeetingId, MemberId, ResidentId, Speaker } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { floorLists, floorRequests, floorSettings, meetingLog } from '../../storage/schema.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Who a hand is for, as the store writes it. */
export type FloorPerson =
  | { kind: 'member'; memberId: MemberId; name: string; groupId: GroupId }
  | { kind: 'resident'; residentId: ResidentId; name: string }
  | { kind: 'guest'; name: string };

export interface FloorRules {
  residentsMaySpeak: boolean;
  limits: FloorLimits;
  displayMode: DisplayMode;
}

/** One row of floor_requests as the view reads it (times in ms of the database's clock). */
export interface FloorRow {
  id: FloorRequestId;
  itemKey: string;
  kind: FloorKind;
  speaker: Speaker;
  /** Balance key: the member's group, 'residents' or 'guests'. */
  group: string;
  rank: number;
  requestedAt: number;
  state: 'waiting' | 'speaking' | 'spoken' | 'lowered' | 'removed';
  startedAt: number | null;
  limitSeconds: number | null;
  endedAt: number | null;
}

/** The database's clock, ms: the one clock speech timers are kept in. */
async function dbNow(db: Db | Tx): Promise<number> {
  const r = await db.execute(sql`SELECT now() AS now`);
  return new Date((r as unknown as { rows: { now: string | Date }[] }).rows[0]!.now).getTime();
}

type RequestRow = typeof floorRequests.$inferSelect;

function toRow(r: RequestRow): FloorRow {
  const speaker: Speaker = r.memberId
    ? { kind: 'member', memberId: r.memberId as MemberId, name: r.name, groupId: r.groupId as GroupId }
    : r.residentId
      ? { kind: 'resident', residentId: r.residentId as ResidentId, name: r.name }
      : { kind: 'guest', name: r.name };
  return {
    id: r.id as FloorRequestId,
    itemKey: r.itemKey,
    kind: r.kind as FloorKind,
    speaker,
    group: r.memberId ? (r.groupId ?? 'guests') : r.residentId ? 'residents' : 'guests',
    rank: r.rank,
    requestedAt: r.requestedAt.getTime(),
    state: r.state as FloorRow['state'],
    startedAt: r.startedAt?.getTime() ?? null,
    limitSeconds: r.limitSeconds,
    endedAt: r.endedAt?.getTime() ?? null,
  };
}

/**
 * The floor's records (schema.ts floorSettings, floorLists, floorRequests). Every change runs in
 * one transaction that first locks the meeting's floor_settings row, so changes to one meeting's
 * floor are serialised across instances (two hands raised at once on two instances both land, in
 * a definite order); bad input throws an AppError before anything is written.
 */
export class FloorStore {
  constructor(private readonly db: Db) {}

  /** The meeting's rules (the defaults until the facilitator sets them). */
  async rules(meetingId: MeetingId): Promise<FloorRules> {
    const [row] = await this.db.select().from(floorSettings).where(eq(floorSettings.meetingId, meetingId));
    return row
      ? {
          residentsMaySpeak: row.residentsMaySpeak,
          limits: { ...DEFAULT_FLOOR_LIMITS, ...row.limits } as FloorLimits,
          displayMode: row.displayMode as DisplayMode,
        }
      : { residentsMaySpeak: false, limits: { ...DEFAULT_FLOOR_LIMITS }, displayMode: 'auto' };
  }

  /** Locks the meeting's floor (making its settings row on first use) and returns its rules. */
  private async lock(tx: Tx, meetingId: MeetingId): Promise<FloorRules> {
    await tx
      .insert(floorSettings)
      .values({ meetingId, limits: { ...DEFAULT_FLOOR_LIMITS } })
      .onConflictDoNothing();
    const [row] = await tx.select().from(floorSettings).where(eq(floorSettings.meetingId, meetingId)).for('update');
    return {
      residentsMaySpeak: row!.residentsMaySpeak,
      limits: { ...DEFAULT_FLOOR_LIMITS, ...row!.limits } as FloorLimits,
      displayMode: row!.displayMode as DisplayMode,
    };
  }

  /** What the room display shows; logged like the other choices of whoever runs the room. */
  async setDisplayMode(meetingId: MeetingId, mode: DisplayMode, actor: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      await tx.update(floorSettings).set({ displayMode: mode }).where(eq(floorSettings.meetingId, meetingId));
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.display', detail: { mode } });
    });
  }

  async setRules(meetingId: MeetingId, patch: { limits?: Partial<FloorLimits>; residentsMaySpeak?: boolean }, actor: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rules = await this.lock(tx, meetingId);
      const limits = { ...rules.limits, ...patch.limits };
      const residentsMaySpeak = patch.residentsMaySpeak ?? rules.residentsMaySpeak;
      await tx.update(floorSettings).set({ limits, residentsMaySpeak }).where(eq(floorSettings.meetingId, meetingId));
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.settings', detail: { limits, residentsMaySpeak } });
    });
  }

  async isClosed(meetingId: MeetingId, itemKey: string, db: Db | Tx = this.db): Promise<boolean> {
    const [row] = await db
      .select({ closed: floorLists.closed })
      .from(floorLists)
      .where(and(eq(floorLists.meetingId, meetingId), eq(floorLists.itemKey, itemKey)));
    return row?.closed ?? false;
  }

  /**
   * A hand goes up (raised by its owner, or added by the facilitator: `addedBy`). Refused when
   * the list is closed, the person already waits on this item, or the queue is full.
   */
  async raise(meetingId: MeetingId, itemKey: string, kind: FloorKind, person: FloorPerson, addedBy: MemberId | null): Promise<FloorRequestId> {
    return this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      if (await this.isClosed(meetingId, itemKey, tx)) throw new AppError('floor_closed');
      const waiting = await tx
        .select({ memberId: floorRequests.memberId, residentId: floorRequests.residentId })
        .from(floorRequests)
        .where(and(eq(floorRequests.meetingId, meetingId), eq(floorRequests.itemKey, itemKey), eq(floorRequests.state, 'waiting')));
      if (person.kind === 'member' && waiting.some((w) => w.memberId === person.memberId)) throw new AppError('already_in_queue');
      if (person.kind === 'resident' && waiting.some((w) => w.residentId === person.residentId)) throw new AppError('already_in_queue');
      if (waiting.length >= FLOOR_LIMITS.maxQueue) throw new AppError('conflict', 'the queue is full');
      const id = randomUUID() as FloorRequestId;
      const now = await dbNow(tx);
      await tx.insert(floorRequests).values({
        id,
        meetingId,
        itemKey,
        kind,
        memberId: person.kind === 'member' ? person.memberId : null,
        residentId: person.kind === 'resident' ? person.residentId : null,
        name: person.name,
        groupId: person.kind === 'member' ? person.groupId : null,
        addedBy,
        rank: rankForNewHand(now),
        requestedAt: new Date(now),
        state: 'waiting',
      });
      if (addedBy)
        await tx.insert(meetingLog).values({ meetingId, actorMemberId: addedBy, action: 'floor.add', detail: { requestId: id, itemKey, kind } });
      return id;
    });
  }

  /** A waiting hand of this meeting, locked; not_found when there is none (lowered, called, removed or unknown). */
  private async waitingHand(tx: Tx, meetingId: MeetingId, requestId: FloorRequestId): Promise<RequestRow> {
    const [row] = await tx
      .select()
      .from(floorRequests)
      .where(and(eq(floorRequests.id, requestId), eq(floorRequests.meetingId, meetingId)));
    if (!row || row.state !== 'waiting') throw new AppError('not_found', 'no such waiting hand');
    return row;
  }

  /** Its owner lowers their own hand (a member's or a resident's); another's is forbidden. */
  async lower(meetingId: MeetingId, requestId: FloorRequestId, owner: { memberId?: MemberId; residentId?: ResidentId }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      const row = await this.waitingHand(tx, meetingId, requestId);
      const mine = (owner.memberId && row.memberId === owner.memberId) || (owner.residentId && row.residentId === owner.residentId);
      if (!mine) throw new AppError('forbidden', 'not your hand');
      await tx.update(floorRequests).set({ state: 'lowered' }).where(eq(floorRequests.id, requestId));
    });
  }

  async remove(meetingId: MeetingId, requestId: FloorRequestId, actor: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      await this.waitingHand(tx, meetingId, requestId);
      await tx.update(floorRequests).set({ state: 'removed' }).where(eq(floorRequests.id, requestId));
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.remove', detail: { requestId } });
    });
  }

  /** Ends the meeting's speech under way, if any (its end is the database's now). */
  /** Ends the speech under way, if any; returns its item's key (null: nobody was speaking). */
  private async endCurrent(tx: Tx, meetingId: MeetingId): Promise<string | null> {
    const ended = await tx
      .update(floorRequests)
      .set({ state: 'spoken', endedAt: sql`now()` })
      .where(and(eq(floorRequests.meetingId, meetingId), eq(floorRequests.state, 'speaking')))
      .returning({ itemKey: floorRequests.itemKey });
    return ended[0]?.itemKey ?? null;
  }

  /**
   * Gives the floor to `requestId` (a waiting hand on this item) or to the head of the queue
   * (`pickNext` chooses it from the waiting hands); the speech under way ends first. Its timer
   * starts at the database's now with the kind's limit.
   */
  async call(
    meetingId: MeetingId,
    itemKey: string,
    requestId: FloorRequestId | undefined,
    pickNext: (waiting: FloorRow[]) => FloorRow | undefined,
    actor: MemberId,
  ): Promise<FloorRequestId> {
    return this.db.transaction(async (tx) => {
      const rules = await this.lock(tx, meetingId);
      const waiting = (
        await tx
          .select()
          .from(floorRequests)
          .where(and(eq(floorRequests.meetingId, meetingId), eq(floorRequests.itemKey, itemKey), eq(floorRequests.state, 'waiting')))
      ).map(toRow);
      const chosen = requestId ? waiting.find((w) => w.id === requestId) : pickNext(waiting);
      if (!chosen) throw new AppError('not_found', requestId ? 'no such waiting hand on this item' : 'nobody is waiting');
      await this.endCurrent(tx, meetingId);
      await tx
        .update(floorRequests)
        .set({ state: 'speaking', startedAt: sql`now()`, limitSeconds: rules.limits[chosen.kind] })
        .where(eq(floorRequests.id, chosen.id));
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.call', detail: { requestId: chosen.id, itemKey } });
      return chosen.id;
    });
  }

  /** Ends the speech under way; not_found when nobody is speaking. */
  /** Ends the speech under way; returns the key of the item it was given on. */
  async end(meetingId: MeetingId, actor: MemberId): Promise<string> {
    return this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      const itemKey = await this.endCurrent(tx, meetingId);
      if (itemKey === null) throw new AppError('not_found', 'nobody is speaking');
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.end', detail: {} });
      return itemKey;
    });
  }

  /** The facilitator's order of every waiting hand; `conflict` when it does not name exactly those. */
  async reorder(meetingId: MeetingId, itemKey: string, order: readonly FloorRequestId[], actor: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      const waiting = (
        await tx
          .select()
          .from(floorRequests)
          .where(and(eq(floorRequests.meetingId, meetingId), eq(floorRequests.itemKey, itemKey), eq(floorRequests.state, 'waiting')))
      ).map(toRow);
      const ranks = orderRanks(waiting, order);
      if (!ranks) throw new AppError('conflict', 'the queue changed meanwhile');
      for (const [id, rank] of ranks) await tx.update(floorRequests).set({ rank }).where(eq(floorRequests.id, id));
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.reorder', detail: { itemKey, order } });
    });
  }

  async setClosed(meetingId: MeetingId, itemKey: string, closed: boolean, actor: MemberId): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lock(tx, meetingId);
      await tx
        .insert(floorLists)
        .values({ meetingId, itemKey, closed })
        .onConflictDoUpdate({ target: [floorLists.meetingId, floorLists.itemKey], set: { closed } });
      await tx.insert(meetingLog).values({ meetingId, actorMemberId: actor, action: 'floor.close', detail: { itemKey, closed } });
    });
  }

  /**
   * What the floor view shows of an item: its list's state, its waiting hands and speeches, and
   * the meeting's speech under way (whichever item it began on), with the database's now.
   */
  async read(
    meetingId: MeetingId,
    itemKey: string,
  ): Promise<{ rules: FloorRules; closed: boolean; rows: FloorRow[]; current: FloorRow | null; now: number }> {
    const [rules, closed, rows, current, now] = await Promise.all([
      this.rules(meetingId),
      this.isClosed(meetingId, itemKey),
      this.db
        .select()
        .from(floorRequests)
        .where(
          and(
            eq(floorRequests.meetingId, meetingId),
            eq(floorRequests.itemKey, itemKey),
            inArray(floorRequests.state, ['waiting', 'speaking', 'spoken']),
          ),
        )
        .orderBy(asc(floorRequests.startedAt), asc(floorRequests.requestedAt)),
      this.db
        .select()
        .from(floorRequests)
        .where(and(eq(floorRequests.meetingId, meetingId), eq(floorRequests.state, 'speaking'))),
      dbNow(this.db),
    ]);
    return { rules, closed, rows: rows.map(toRow), current: current[0] ? toRow(current[0]) : null, now };
  }

  /** The database's clock now (ms). */
  now(): Promise<number> {
    return dbNow(this.db);
  }
}
