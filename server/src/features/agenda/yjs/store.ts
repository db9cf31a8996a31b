import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../storage/database.ts';
import { yjsDocs, yjsUpdates } from '../../../storage/schema.ts';

/** An update to append: the room it belongs to and its bytes (a Yjs v1 update, already validated). */
export interface PendingUpdate {
  room: string;
  update: Uint8Array;
}

/** What a room's document is made of in the database, after a given sequence number. */
export interface StoredDoc {
  /** The compacted state, when its sequence number is above the one asked after (else null). */
  snapshot: { seq: number; state: Uint8Array } | null;
  /** The updates after max(after, snapshot seq), in order. */
  updates: { seq: number; update: Uint8Array }[];
}

const toBytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer));

/**
 * The Yjs documents' rows (storage/schema.ts: yjs_docs, yjs_updates). Every accepted update is a
 * row with a sequence number per room, given under the room's row lock, so the numbers of one
 * room are gapless and ordered across instances; a snapshot replaces the rows it covers.
 */
export class YjsStore {
  constructor(private readonly db: Db) {}

  /**
   * The group commit: every update of the batch in one transaction, each room's sequence numbers
   * taken with one row lock (rooms locked in name order, so two instances never deadlock).
   * Returns each update's sequence number, in the batch's order.
   */
  async append(batch: readonly PendingUpdate[]): Promise<number[]> {
    if (batch.length === 0) return [];
    const byRoom = new Map<string, number[]>();
    batch.forEach((u, i) => {
      const list = byRoom.get(u.room);
      if (list) list.push(i);
      else byRoom.set(u.room, [i]);
    });
    const seqs: number[] = new Array(batch.length);
    await this.db.transaction(async (tx) => {
      const rows: { room: string; seq: number; update: Uint8Array }[] = [];
      for (const room of [...byRoom.keys()].sort()) {
        const indexes = byRoom.get(room)!;
        const [row] = await tx
          .insert(yjsDocs)
          .values({ room, head: indexes.length })
          .onConflictDoUpdate({ target: yjsDocs.room, set: { head: sql`${yjsDocs.head} + ${indexes.length}` } })
          .returning({ head: yjsDocs.head });
        const first = Number(row!.head) - indexes.length + 1;
        indexes.forEach((i, k) => {
          seqs[i] = first + k;
          rows.push({ room, seq: first + k, update: batch[i]!.update });
        });
      }
      await tx.insert(yjsUpdates).values(rows);
    });
    return seqs;
  }

  /**
   * A room's document after sequence number `after` (0: all of it), read in one statement so that
   * a compaction running meanwhile cannot slip between the snapshot and the updates.
   */
  async load(room: string, after = 0): Promise<StoredDoc> {
    const result = await this.db.execute(sql`
      SELECT 0 AS k, snapshot_seq AS seq, snapshot AS data FROM yjs_docs
        WHERE room = ${room} AND snapshot IS NOT NULL AND snapshot_seq > ${after}
      UNION ALL
      SELECT 1 AS k, seq, "update" AS data FROM yjs_updates WHERE room = ${room} AND seq > ${after}
      ORDER BY k, seq`);
    const rows = (result as unknown as { rows: { k: number; seq: string | number; data: unknown }[] }).rows;
    const out: StoredDoc = { snapshot: null, updates: [] };
    for (const r of rows) {
      if (Number(r.k) === 0) out.snapshot = { seq: Number(r.seq), state: toBytes(r.data) };
      else out.updates.push({ seq: Number(r.seq), update: toBytes(r.data) });
    }
    if (out.snapshot) out.updates = out.updates.filter((u) => u.seq > out.snapshot!.seq);
    return out;
  }

  /** The last sequence number of each given room that has any (rooms never written are absent). */
  async heads(rooms: readonly string[]): Promise<Map<string, number>> {
    if (rooms.length === 0) return new Map();
    const rows = await this.db
      .select({ room: yjsDocs.room, head: yjsDocs.head })
      .from(yjsDocs)
      .where(inArray(yjsDocs.room, [...rooms]));
    return new Map(rows.map((r) => [r.room, Number(r.head)]));
  }

  /**
   * Replaces the updates up to `seq` with `state` (which must contain every one of them). Does
   * nothing when a snapshot at or past `seq` is there already (another instance compacted).
   * Returns whether this snapshot was stored.
   */
  async compact(room: string, seq: number, state: Uint8Array): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const stored = await tx
        .update(yjsDocs)
        .set({ snapshot: state, snapshotSeq: seq, compactedAt: sql`now()` })
        .where(and(eq(yjsDocs.room, room), sql`${yjsDocs.snapshotSeq} < ${seq}`, sql`${yjsDocs.head} >= ${seq}`))
        .returning({ room: yjsDocs.room });
      if (stored.length === 0) return false;
      await tx.delete(yjsUpdates).where(and(eq(yjsUpdates.room, room), lte(yjsUpdates.seq, seq)));
      return true;
    });
  }

  /** How many update rows a room has (for tests and operators). */
  async updateCount(room: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(yjsUpdates)
      .where(eq(yjsUpdates.room, room));
    return Number(row?.n ?? 0);
  }
}
