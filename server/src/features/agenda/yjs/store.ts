import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import type { Database, Db } from '../../../storage/database.ts';
import { byteaArray, PglitePrepared } from '../../../storage/pglite-prepared.ts';
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

/**
 * Appends a room's updates in one statement: the room's head raised (its row lock orders appends
 * across instances) and the rows inserted numbered from the old head on. Returns the first one's
 * sequence number.
 */
async function appendRows(db: Pick<Db, 'execute'>, room: string, updates: Uint8Array[]): Promise<number> {
  const n = updates.length;
  const values = sql.join(
    updates.map((u, k) => sql`(${k + 1}::bigint, ${toDriverBytes(u)}::bytea)`),
    sql`, `,
  );
  const result = await db.execute(sql`
    WITH h AS (
      INSERT INTO yjs_docs (room, head) VALUES (${room}, ${n}::bigint)
      ON CONFLICT (room) DO UPDATE SET head = yjs_docs.head + ${n}::bigint
      RETURNING head
    ), rows AS (
      INSERT INTO yjs_updates (room, seq, "update")
      SELECT ${room}, h.head - ${n}::bigint + v.k, v.u FROM h, (VALUES ${values}) AS v(k, u)
    )
    SELECT head FROM h`);
  const [row] = (result as unknown as { rows: { head: string | number }[] }).rows;
  return Number(row!.head) - n + 1;
}

/**
 * The same append for one room as a statement of fixed text, the updates passed as one bytea[]:
 * prepared once per connection and run by name (see `roomAppender`). Its parameters: $1 the room,
 * $2 the updates in order.
 */
const APPEND_ROOM = `
  WITH h AS (
    INSERT INTO yjs_docs (room, head) VALUES ($1, cardinality($2::bytea[]))
    ON CONFLICT (room) DO UPDATE SET head = yjs_docs.head + cardinality($2::bytea[])
    RETURNING head
  ), rows AS (
    INSERT INTO yjs_updates (room, seq, "update")
    SELECT $1, h.head - cardinality($2::bytea[]) + v.k, v.u FROM h, unnest($2::bytea[]) WITH ORDINALITY AS v(u, k)
  )
  SELECT head FROM h`;
const TEXT_OID = 25;
const BYTEA_ARRAY_OID = 1001;

/** Appends one room's updates; resolves with the first one's sequence number. */
type RoomAppender = (room: string, updates: Uint8Array[]) => Promise<number>;

/**
 * The hot path of every keystroke: on PGlite a prepared statement over the raw protocol (one call
 * into the database, no parsing or planning: about half the time of `db.execute`, measured in
 * storage/pglite-prepared.ts), on PostgreSQL a named statement, which node-postgres prepares once
 * per pooled connection.
 */
function roomAppender(database: Pick<Database, 'db' | 'kind'>): RoomAppender {
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'pglite') {
    const statement = new PglitePrepared(client as PGlite, 'yishi_yjs_append', APPEND_ROOM, [TEXT_OID, BYTEA_ARRAY_OID]);
    return async (room, updates) => {
      const [row] = await statement.run([room, byteaArray(updates)]);
      return Number(row![0]) - updates.length + 1;
    };
  }
  const pool = client as Pool;
  return async (room, updates) => {
    const result = await pool.query<{ head: string }>({ name: 'yishi_yjs_append', text: APPEND_ROOM, values: [room, updates.map(toDriverBytes)] });
    return Number(result.rows[0]!.head) - updates.length + 1;
  };
}

/** What the bytea column hands its drivers (schema.ts): a Buffer over the same bytes. */
const toDriverBytes = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

const toBytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer));

/**
 * The Yjs documents' rows (storage/schema.ts: yjs_docs, yjs_updates). Every accepted update is a
 * row with a sequence number per room, given under the room's row lock, so the numbers of one
 * room are gapless and ordered across instances; a snapshot replaces the rows it covers.
 */
export class YjsStore {
  private readonly db: Db;
  private readonly appendRoom: RoomAppender;

  constructor(database: Pick<Database, 'db' | 'kind'>) {
    this.db = database.db;
    this.appendRoom = roomAppender(database);
  }

  /**
   * The group commit: every update of the batch stored at once, each room's sequence numbers
   * taken with one row lock (rooms locked in name order, so two instances never deadlock).
   * Returns each update's sequence number, in the batch's order. The usual batch is one room's:
   * one prepared statement, its own transaction (on PGlite every round trip runs on the event
   * loop, and BEGIN, two inserts and COMMIT cost four where this costs one).
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
    const numbered = (room: string, first: number) => byRoom.get(room)!.forEach((i, k) => (seqs[i] = first + k));
    const updatesOf = (room: string) => byRoom.get(room)!.map((i) => batch[i]!.update);
    if (byRoom.size === 1) {
      const room = batch[0]!.room;
      numbered(room, await this.appendRoom(room, updatesOf(room)));
    } else
      await this.db.transaction(async (tx) => {
        for (const room of [...byRoom.keys()].sort()) numbered(room, await appendRows(tx, room, updatesOf(room)));
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
