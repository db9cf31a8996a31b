import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ConnectionRecord } from '@yishi/domain';
import type { MeetingId, MemberId } from '@yishi/protocol';
import type { Db } from '../../storage/database.ts';
import { memberConnections } from '../../storage/schema.ts';

/**
 * The attendance record of members' connections (schema.ts memberConnections): written on a
 * socket's join and leave, refreshed by each instance's heartbeat, read at close to compute
 * quorum. Times are the database's clock, so instances with skewed clocks agree.
 */
export class AttendanceStore {
  constructor(private readonly db: Db) {}

  /** A member's socket joined a meeting; returns the row's id for its departure. */
  async arrive(meetingId: MeetingId, memberId: MemberId, instanceId: string): Promise<string> {
    const id = randomUUID();
    await this.db.insert(memberConnections).values({ id, meetingId, memberId, instanceId });
    return id;
  }

  async depart(connectionId: string, deliberate: boolean): Promise<void> {
    await this.db
      .update(memberConnections)
      .set({ departedAt: sql`now()`, deliberate })
      .where(and(eq(memberConnections.id, connectionId), isNull(memberConnections.departedAt)));
  }

  /** This instance still holds its open connections: one statement however many there are. */
  async heartbeat(instanceId: string): Promise<void> {
    await this.db
      .update(memberConnections)
      .set({ seenAt: sql`now()` })
      .where(and(eq(memberConnections.instanceId, instanceId), isNull(memberConnections.departedAt)));
  }

  /** Clean shutdown: every connection this instance held has departed (the grace still applies). */
  async departAll(instanceId: string): Promise<void> {
    await this.db
      .update(memberConnections)
      .set({ departedAt: sql`now()` })
      .where(and(eq(memberConnections.instanceId, instanceId), isNull(memberConnections.departedAt)));
  }

  /** A meeting's connection rows, and the database's clock to judge them by. */
  async connections(meetingId: MeetingId): Promise<{ now: number; rows: ConnectionRecord[] }> {
    const [rows, clock] = await Promise.all([
      this.db
        .select({
          memberId: memberConnections.memberId,
          arrivedAt: memberConnections.arrivedAt,
          departedAt: memberConnections.departedAt,
          deliberate: memberConnections.deliberate,
          seenAt: memberConnections.seenAt,
        })
        .from(memberConnections)
        .where(eq(memberConnections.meetingId, meetingId)),
      this.db.execute(sql`SELECT now() AS now`),
    ]);
    const now = new Date((clock as unknown as { rows: { now: string | Date }[] }).rows[0]!.now).getTime();
    return {
      now,
      rows: rows.map((r) => ({
        memberId: r.memberId,
        arrivedAt: r.arrivedAt.getTime(),
        departedAt: r.departedAt ? r.departedAt.getTime() : null,
        deliberate: r.deliberate,
        seenAt: r.seenAt.getTime(),
      })),
    };
  }
}
