import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './database.ts';
import { deadlines } from './schema.ts';

/** A poll's closing time (subject: the poll's id). Each feature names its kinds here, one line each. */
export const POLL_CLOSE = 'poll.close';

/** A deadline this instance has claimed: it alone acts on it until the lease runs out. */
export interface DeadlineClaim {
  kind: string;
  subject: string;
  dueAt: Date;
  /** How many times it has been claimed, this one included. */
  attempts: number;
  /** Fences the claim: completing or releasing it only works with this token. */
  token: string;
}

type Executor = Pick<Db, 'insert'>;

/**
 * Sets (or moves) a deadline, in the caller's transaction when given one, so that the row it
 * belongs to and its deadline are written together. Moving a claimed deadline drops the claim:
 * the claimer's completion then matches nothing, and the new time is acted on.
 */
export async function setDeadline(db: Executor, kind: string, subject: string, dueAt: Date): Promise<void> {
  await db
    .insert(deadlines)
    .values({ kind, subject, dueAt })
    .onConflictDoUpdate({
      target: [deadlines.kind, deadlines.subject],
      set: { dueAt, claimedAt: null, claimedBy: null, claimToken: null, attempts: 0 },
    });
}

/**
 * The deadlines table (schema.ts): times are the database's clock, so instances with skewed
 * clocks agree on what is due. Claims use FOR UPDATE SKIP LOCKED and a lease, on PGlite and
 * PostgreSQL alike.
 */
export class DeadlineStore {
  constructor(private readonly db: Db) {}

  set(kind: string, subject: string, dueAt: Date): Promise<void> {
    return setDeadline(this.db, kind, subject, dueAt);
  }

  /** Adds the deadlines not yet there, leaving existing ones (and their claims) alone. */
  async ensure(kind: string, items: readonly { subject: string; dueAt: Date }[]): Promise<void> {
    if (items.length === 0) return;
    await this.db
      .insert(deadlines)
      .values(items.map((i) => ({ kind, subject: i.subject, dueAt: i.dueAt })))
      .onConflictDoNothing();
  }

  async cancel(kind: string, subject: string): Promise<void> {
    await this.db.delete(deadlines).where(and(eq(deadlines.kind, kind), eq(deadlines.subject, subject)));
  }

  async get(kind: string, subject: string): Promise<{ dueAt: Date; claimed: boolean; attempts: number } | undefined> {
    const [row] = await this.db
      .select()
      .from(deadlines)
      .where(and(eq(deadlines.kind, kind), eq(deadlines.subject, subject)));
    return row ? { dueAt: row.dueAt, claimed: row.claimedAt !== null, attempts: row.attempts } : undefined;
  }

  /**
   * Claims up to `limit` due deadlines for `claimer`: those never claimed, and those whose claim
   * is older than `leaseMs` (the claimer died or hangs). One statement: rows another instance is
   * claiming at this moment are skipped, and a row claimed in between fails the re-check, so a
   * deadline is claimed by one instance at a time.
   */
  async claimDue(claimer: string, leaseMs: number, limit = 10): Promise<DeadlineClaim[]> {
    const token = randomUUID();
    const result = await this.db.execute(sql`
      UPDATE deadlines d
         SET claimed_at = now(), claimed_by = ${claimer}, claim_token = ${token}::uuid, attempts = d.attempts + 1
        FROM (SELECT kind, subject FROM deadlines
               WHERE due_at <= now()
                 AND (claimed_at IS NULL OR claimed_at <= now() - ${leaseMs}::int * interval '1 millisecond')
               ORDER BY due_at
               LIMIT ${limit}
               FOR UPDATE SKIP LOCKED) due
       WHERE d.kind = due.kind AND d.subject = due.subject
         AND (d.claimed_at IS NULL OR d.claimed_at <= now() - ${leaseMs}::int * interval '1 millisecond')
      RETURNING d.kind, d.subject, d.due_at::text AS due_at, d.attempts`);
    const rows = (result as unknown as { rows: { kind: string; subject: string; due_at: string; attempts: number }[] }).rows;
    return rows.map((r) => ({ kind: r.kind, subject: r.subject, dueAt: new Date(r.due_at), attempts: Number(r.attempts), token }));
  }

  /** Done: the deadline goes, unless it was moved or taken over since (then the token no longer matches). */
  async complete(claim: DeadlineClaim): Promise<boolean> {
    const done = await this.db
      .delete(deadlines)
      .where(and(eq(deadlines.kind, claim.kind), eq(deadlines.subject, claim.subject), eq(deadlines.claimToken, claim.token)))
      .returning({ kind: deadlines.kind });
    return done.length > 0;
  }

  /** Failed (or not handled here): released, due again after `delayMs`. */
  async retryLater(claim: DeadlineClaim, delayMs: number): Promise<void> {
    await this.db
      .update(deadlines)
      .set({ claimedAt: null, claimedBy: null, claimToken: null, dueAt: sql`now() + ${Math.round(delayMs)}::int * interval '1 millisecond'` })
      .where(and(eq(deadlines.kind, claim.kind), eq(deadlines.subject, claim.subject), eq(deadlines.claimToken, claim.token)));
  }
}
