import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { emptyDistribution, evaluateConsensus, type ConsensusRule, type Distribution } from '@yishi/domain';
import type { ConsensusCheckId, MeetingId, MemberId } from '@yishi/protocol';
import { CONSENSUS_LIMITS } from '@yishi/protocol/constants';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import {
  consensusChecks,
  consensusPositions,
  consensusProposals,
  consensusRounds,
  consensusStatements,
  meetings,
  members,
  residents,
} from '../../storage/schema.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The group key residents' positions count under (members count under their group's id). */
export const RESIDENTS_KEY = 'residents';

/**
 * A check's figures at one moment, as stored with a round or the outcome: counts per group key
 * (a group id, or RESIDENTS_KEY), and the members present. Never who.
 */
export interface Aggregate {
  groups: Record<string, Distribution>;
  membersPresent: number;
}

export type CheckRow = typeof consensusChecks.$inferSelect;

export interface StoredOutcome {
  reached: boolean;
  text: string;
  aggregate: Aggregate;
}

export interface CheckRecord {
  check: CheckRow;
  proposals: { version: number; text: string; at: Date }[];
  rounds: { round: number; proposalVersion: number; aggregate: Aggregate; recordedAt: Date }[];
  /** The live aggregate while open (empty once an anonymous check is closed). */
  live: Record<string, Distribution>;
  /** Named checks only: participant, group key and level. */
  positions: { participant: string; groupKey: string; level: number }[] | null;
  statements: { memberId: string; name: string; kind: 'block' | 'reservation'; text: string; round: number; at: Date }[];
}

/** Residents are not in the members' rule: the members' groups of an aggregate, for evaluateConsensus. */
export function membersInput(groups: Record<string, Distribution>, groupIds: readonly string[], membersPresent: number) {
  return { groups: groupIds.map((groupId) => ({ groupId, counts: groups[groupId] ?? emptyDistribution() })), membersPresent };
}

export type PositionStatus = 'recorded' | 'unchanged' | 'changed';

/** One position change waiting for its group commit (see ConsensusStore#commitPositions). */
export interface PendingPosition {
  checkId: ConsensusCheckId;
  participant: string;
  groupKey: string;
  level: number;
  idempotencyKey: string;
  statement?: { memberId: MemberId; kind: 'block' | 'reservation'; text: string };
}

export type PositionOutcome = { ok: true; status: PositionStatus; statementId: string | null } | { ok: false; code: 'check_closed' | 'not_found' };

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

export class ConsensusStore {
  constructor(private readonly db: Db) {}

  async open(input: {
    meetingId: MeetingId;
    itemId: string;
    proposal: string;
    residents: boolean;
    named: boolean;
    rule: ConsensusRule;
    createdBy: MemberId;
  }): Promise<ConsensusCheckId> {
    const id = randomUUID() as ConsensusCheckId;
    await this.db.transaction(async (tx) => {
      await tx.insert(consensusChecks).values({
        id,
        meetingId: input.meetingId,
        itemId: input.itemId,
        state: 'open',
        named: input.named,
        residents: input.residents,
        rule: input.rule,
        createdBy: input.createdBy,
      });
      await tx.insert(consensusProposals).values({ checkId: id, version: 1, text: input.proposal });
    });
    return id;
  }

  /** The check with its meeting's council; not_found for an unknown id. */
  async get(checkId: ConsensusCheckId): Promise<CheckRow & { councilId: string }> {
    const [row] = await this.db
      .select({ check: consensusChecks, councilId: meetings.councilId })
      .from(consensusChecks)
      .innerJoin(meetings, eq(meetings.id, consensusChecks.meetingId))
      .where(eq(consensusChecks.id, checkId));
    if (!row) throw new AppError('not_found', 'consensus check');
    return { ...row.check, councilId: row.councilId };
  }

  /** Locks the check (for update, or share for a position) and refuses a closed one. */
  private async lockOpen(tx: Tx, checkId: ConsensusCheckId, mode: 'update' | 'share'): Promise<CheckRow> {
    const [row] = await tx.select().from(consensusChecks).where(eq(consensusChecks.id, checkId)).for(mode);
    if (!row) throw new AppError('not_found', 'consensus check');
    if (row.state !== 'open') throw new AppError('check_closed');
    return row;
  }

  /**
   * One participant's position, committed before it returns (a batch of one: see commitPositions).
   * Refused with an AppError: check_closed, not_found.
   */
  async setPosition(input: PendingPosition): Promise<{ status: PositionStatus; statementId: string | null }> {
    const [outcome] = await this.commitPositions([input]);
    if (!outcome!.ok) throw new AppError(outcome!.code, outcome!.code === 'not_found' ? 'consensus check' : undefined);
    return outcome!;
  }

  /**
   * Positions written together in one transaction (group commit, like ballots: a room moving at
   * once would otherwise be a transaction per change, and PGlite runs one statement at a time on
   * the event loop). Each outcome is in the batch's order; a participant's later change in the same
   * batch is applied after their earlier one. A retry with the participant's last change's
   * idempotency key changes nothing (`unchanged`). A statement (a block's reason, a reservation)
   * is stored in the same transaction, under the member's name. Checks are share-locked: close
   * takes them for update, so no position commits after a check's outcome is decided.
   */
  async commitPositions(batch: readonly PendingPosition[]): Promise<PositionOutcome[]> {
    if (batch.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const out: PositionOutcome[] = new Array(batch.length);
      const checkIds = [...new Set(batch.map((p) => p.checkId))];
      const checks = await tx
        .select({ id: consensusChecks.id, state: consensusChecks.state, round: consensusChecks.round })
        .from(consensusChecks)
        .where(inArray(consensusChecks.id, checkIds))
        .for('share');
      const byId = new Map(checks.map((c) => [c.id, c]));
      let todo: number[] = [];
      batch.forEach((p, i) => {
        const check = byId.get(p.checkId);
        if (!check) out[i] = { ok: false, code: 'not_found' };
        else if (check.state !== 'open') out[i] = { ok: false, code: 'check_closed' };
        else todo.push(i);
      });
      // In waves, each with a participant at most once (one upsert cannot touch a row twice).
      while (todo.length > 0) {
        const wave: number[] = [];
        const later: number[] = [];
        const inWave = new Set<string>();
        for (const i of todo) {
          const key = `${batch[i]!.checkId}/${batch[i]!.participant}`;
          if (inWave.has(key)) later.push(i);
          else {
            inWave.add(key);
            wave.push(i);
          }
        }
        await this.commitWave(tx, batch, wave, byId, out);
        todo = later;
      }
      return out;
    });
  }

  private async commitWave(
    tx: Tx,
    batch: readonly PendingPosition[],
    wave: number[],
    checks: Map<string, { round: number }>,
    out: PositionOutcome[],
  ): Promise<void> {
    // One JSON parameter per statement: far cheaper to bind and plan than five per row.
    const keys = wave.map((i) => ({ check_id: batch[i]!.checkId, participant: batch[i]!.participant }));
    const before = rowsOf<{ check_id: string; participant: string; idempotency_key: string }>(
      await tx.execute(sql`
        SELECT p.check_id, p.participant, p.idempotency_key
        FROM consensus_positions p
        JOIN jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS r(check_id uuid, participant text)
          ON p.check_id = r.check_id AND p.participant = r.participant`),
    );
    const held = new Map(before.map((r) => [`${r.check_id}/${r.participant}`, r.idempotency_key]));
    const write: number[] = [];
    for (const i of wave) {
      const p = batch[i]!;
      const had = held.get(`${p.checkId}/${p.participant}`);
      if (had !== undefined && had === p.idempotencyKey) out[i] = { ok: true, status: 'unchanged', statementId: null };
      else {
        write.push(i);
        out[i] = { ok: true, status: had === undefined ? 'recorded' : 'changed', statementId: p.statement ? randomUUID() : null };
      }
    }
    if (write.length === 0) return;
    const rows = write.map((i) => {
      const p = batch[i]!;
      return { check_id: p.checkId, participant: p.participant, group_key: p.groupKey, level: p.level, idempotency_key: p.idempotencyKey };
    });
    await tx.execute(sql`
      INSERT INTO consensus_positions (check_id, participant, group_key, level, idempotency_key)
      SELECT check_id, participant, group_key, level, idempotency_key
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r(check_id uuid, participant text, group_key text, level integer, idempotency_key uuid)
      -- Rows locked in one order by every instance's batches: two of them never wait on each other.
      ORDER BY check_id, participant
      ON CONFLICT (check_id, participant)
      DO UPDATE SET level = excluded.level, group_key = excluded.group_key, idempotency_key = excluded.idempotency_key`);
    const statements = write.flatMap((i) => {
      const p = batch[i]!;
      const o = out[i]!;
      return p.statement && o.ok && o.statementId
        ? [
            {
              id: o.statementId,
              checkId: p.checkId,
              memberId: p.statement.memberId,
              kind: p.statement.kind,
              text: p.statement.text,
              round: checks.get(p.checkId)!.round,
            },
          ]
        : [];
    });
    if (statements.length > 0) await tx.insert(consensusStatements).values(statements);
  }

  async mine(checkId: ConsensusCheckId, participant: string): Promise<{ level: number | null; round: number }> {
    const check = await this.get(checkId);
    const [row] = await this.db
      .select({ level: consensusPositions.level })
      .from(consensusPositions)
      .where(and(eq(consensusPositions.checkId, checkId), eq(consensusPositions.participant, participant)));
    return { level: row?.level ?? null, round: check.round };
  }

  /** Counts per group key and level of a check's current positions. */
  async live(checkId: ConsensusCheckId, db: Db | Tx = this.db): Promise<Record<string, Distribution>> {
    const rows = await db
      .select({ groupKey: consensusPositions.groupKey, level: consensusPositions.level, n: count() })
      .from(consensusPositions)
      .where(eq(consensusPositions.checkId, checkId))
      .groupBy(consensusPositions.groupKey, consensusPositions.level);
    return toGroups(rows);
  }

  private async recordIn(tx: Tx, check: CheckRow, membersPresent: number): Promise<void> {
    const aggregate: Aggregate = { groups: await this.live(check.id as ConsensusCheckId, tx), membersPresent };
    await tx
      .insert(consensusRounds)
      .values({ checkId: check.id, round: check.round, proposalVersion: check.proposalVersion, aggregate })
      .onConflictDoUpdate({
        target: [consensusRounds.checkId, consensusRounds.round],
        set: { aggregate, proposalVersion: check.proposalVersion, recordedAt: sql`now()` },
      });
  }

  /** Freezes the current round's figures, with the time (recording again in the same round replaces them). */
  async record(checkId: ConsensusCheckId, membersPresent: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const check = await this.lockOpen(tx, checkId, 'update');
      await this.recordIn(tx, check, membersPresent);
      return check.round;
    });
  }

  async amend(checkId: ConsensusCheckId, text: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const check = await this.lockOpen(tx, checkId, 'update');
      const version = check.proposalVersion + 1;
      await tx.insert(consensusProposals).values({ checkId, version, text });
      await tx.update(consensusChecks).set({ proposalVersion: version }).where(eq(consensusChecks.id, checkId));
      return version;
    });
  }

  /** Opens the next round, recording the current one first if it is not yet; positions carry over or are cleared. */
  async next(checkId: ConsensusCheckId, carryOver: boolean, membersPresent: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const check = await this.lockOpen(tx, checkId, 'update');
      if (check.round >= CONSENSUS_LIMITS.maxRounds) throw new AppError('conflict', 'too many rounds');
      const [recorded] = await tx
        .select({ n: count() })
        .from(consensusRounds)
        .where(and(eq(consensusRounds.checkId, checkId), eq(consensusRounds.round, check.round)));
      if (!recorded?.n) await this.recordIn(tx, check, membersPresent);
      if (!carryOver) await tx.delete(consensusPositions).where(eq(consensusPositions.checkId, checkId));
      await tx
        .update(consensusChecks)
        .set({ round: check.round + 1 })
        .where(eq(consensusChecks.id, checkId));
      return check.round + 1;
    });
  }

  /**
   * Closes the check: records the current round if it is not yet, decides the outcome with the
   * rule frozen at opening (members' groups only: residents are advisory), stores it with the
   * final figures and the proposal's text, and for an anonymous check deletes every position, so
   * that nothing links a person to a position any more.
   */
  async close(checkId: ConsensusCheckId, groupIds: readonly string[], membersPresent: number): Promise<StoredOutcome> {
    return this.db.transaction(async (tx) => {
      const check = await this.lockOpen(tx, checkId, 'update');
      const [recorded] = await tx
        .select({ n: count() })
        .from(consensusRounds)
        .where(and(eq(consensusRounds.checkId, checkId), eq(consensusRounds.round, check.round)));
      if (!recorded?.n) await this.recordIn(tx, check, membersPresent);
      const aggregate: Aggregate = { groups: await this.live(checkId, tx), membersPresent };
      const [proposal] = await tx
        .select({ text: consensusProposals.text })
        .from(consensusProposals)
        .where(and(eq(consensusProposals.checkId, checkId), eq(consensusProposals.version, check.proposalVersion)));
      const reached = evaluateConsensus(membersInput(aggregate.groups, groupIds, membersPresent), check.rule).reached;
      const outcome: StoredOutcome = { reached, text: proposal?.text ?? '', aggregate };
      await tx
        .update(consensusChecks)
        .set({ state: 'closed', closedAt: sql`now()`, outcome })
        .where(eq(consensusChecks.id, checkId));
      if (!check.named) await tx.delete(consensusPositions).where(eq(consensusPositions.checkId, checkId));
      return outcome;
    });
  }

  /** Links the motion poll made from a check; only once (conflict when it has one). */
  async setPoll(checkId: ConsensusCheckId, pollId: string): Promise<void> {
    const done = await this.db
      .update(consensusChecks)
      .set({ pollId })
      .where(and(eq(consensusChecks.id, checkId), sql`${consensusChecks.pollId} is null`))
      .returning({ id: consensusChecks.id });
    if (done.length === 0) throw new AppError('conflict', 'a poll was made from this check already');
  }

  /** The group a member's position counts in (their group now). */
  async memberGroup(memberId: MemberId): Promise<string> {
    const groups = await this.memberGroups([memberId]);
    const groupId = groups.get(memberId);
    if (groupId === undefined) throw new AppError('not_found', 'member');
    return groupId;
  }

  /** memberGroup for many members at once (a batch of positions); unknown members are absent. */
  async memberGroups(memberIds: readonly MemberId[]): Promise<Map<string, string>> {
    if (memberIds.length === 0) return new Map();
    const rows = await this.db
      .select({ id: members.id, groupId: members.groupId })
      .from(members)
      .where(inArray(members.id, [...new Set(memberIds)]));
    return new Map(rows.map((r) => [r.id, r.groupId]));
  }

  /** Display names of residents, for a named check. */
  async residentNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.select({ id: residents.id, name: residents.displayName }).from(residents).where(inArray(residents.id, ids));
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Statements not yet handed to the opinions service. */
  async markPosted(statementIds: string[]): Promise<void> {
    if (statementIds.length === 0) return;
    await this.db
      .update(consensusStatements)
      .set({ postedAt: sql`now()` })
      .where(inArray(consensusStatements.id, statementIds));
  }

  /** Every check of a meeting, oldest first, with what its view shows. */
  async forMeeting(meetingId: MeetingId): Promise<CheckRecord[]> {
    const checks = await this.db
      .select()
      .from(consensusChecks)
      .where(eq(consensusChecks.meetingId, meetingId))
      .orderBy(asc(consensusChecks.openedAt));
    if (checks.length === 0) return [];
    const ids = checks.map((c) => c.id);
    const namedIds = checks.filter((c) => c.named).map((c) => c.id);
    const [proposals, rounds, counts, positions, statements] = await Promise.all([
      this.db.select().from(consensusProposals).where(inArray(consensusProposals.checkId, ids)).orderBy(asc(consensusProposals.version)),
      this.db.select().from(consensusRounds).where(inArray(consensusRounds.checkId, ids)).orderBy(asc(consensusRounds.round)),
      this.db
        .select({ checkId: consensusPositions.checkId, groupKey: consensusPositions.groupKey, level: consensusPositions.level, n: count() })
        .from(consensusPositions)
        .where(inArray(consensusPositions.checkId, ids))
        .groupBy(consensusPositions.checkId, consensusPositions.groupKey, consensusPositions.level),
      namedIds.length === 0
        ? Promise.resolve([])
        : this.db
            .select({
              checkId: consensusPositions.checkId,
              participant: consensusPositions.participant,
              groupKey: consensusPositions.groupKey,
              level: consensusPositions.level,
            })
            .from(consensusPositions)
            .where(inArray(consensusPositions.checkId, namedIds)),
      this.db
        .select({
          checkId: consensusStatements.checkId,
          memberId: consensusStatements.memberId,
          name: members.name,
          kind: consensusStatements.kind,
          text: consensusStatements.text,
          round: consensusStatements.round,
          at: consensusStatements.at,
        })
        .from(consensusStatements)
        .innerJoin(members, eq(members.id, consensusStatements.memberId))
        .where(inArray(consensusStatements.checkId, ids))
        .orderBy(asc(consensusStatements.at)),
    ]);
    return checks.map((check) => {
      const mine = positions.filter((p) => p.checkId === check.id);
      return {
        check,
        proposals: proposals.filter((p) => p.checkId === check.id).map(({ version, text, at }) => ({ version, text, at })),
        rounds: rounds
          .filter((r) => r.checkId === check.id)
          .map((r) => ({ round: r.round, proposalVersion: r.proposalVersion, aggregate: r.aggregate as Aggregate, recordedAt: r.recordedAt })),
        live: toGroups(counts.filter((c) => c.checkId === check.id)),
        positions: check.named ? mine.map(({ participant, groupKey, level }) => ({ participant, groupKey, level })) : null,
        statements: statements
          .filter((s) => s.checkId === check.id)
          .map(({ memberId, name, kind, text, round, at }) => ({ memberId, name, kind: kind as 'block' | 'reservation', text, round, at })),
      };
    });
  }
}

function toGroups(rows: { groupKey: string; level: number; n: number }[]): Record<string, Distribution> {
  const groups: Record<string, Distribution> = {};
  for (const r of rows) {
    const d = (groups[r.groupKey] ??= emptyDistribution());
    d[r.level - 1]! += Number(r.n);
  }
  return groups;
}
