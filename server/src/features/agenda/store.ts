import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { StoredStage } from '@yishi/domain';
import type { AgendaItemKind, MeetingId, MeetingState, MemberId, Proposal, ProposalId, ProposalState } from '@yishi/protocol';
import { AGENDA_LIMITS } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';
import { agendaItemRuns, agendaProposals, agendaRuns, meetingLog, meetings, members } from '../../storage/schema.ts';

/** One item's server state (times in ms by the database's clock). */
export interface ItemRun {
  itemId: string;
  stage: StoredStage;
  startedAt: number | null;
  endedAt: number | null;
  spentMs: number;
  resumedAt: number | null;
}

/** A meeting's run state: version 0 and nothing current before the first move. */
export interface RunState {
  version: number;
  currentItemId: string | null;
  items: Map<string, ItemRun>;
}

/**
 * What a move does, decided from the locked run state (so two moves never decide from the same
 * version): which item becomes current (null: none), and stages to store. The item that stops
 * being current has its discussion ended; the one that becomes current starts (or resumes) its own.
 */
export interface MoveDecision {
  current: string | null;
  stages: ReadonlyMap<string, StoredStage>;
  /** What meeting_log records (`agenda.<action>`), besides from and to. */
  log: { action: string; detail?: Record<string, unknown> };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

function toProposal(r: typeof agendaProposals.$inferSelect, proposerName: string): Proposal {
  return {
    id: r.id as ProposalId,
    meetingId: r.meetingId as MeetingId,
    proposer: { memberId: r.proposerId as MemberId, name: proposerName },
    title: r.title,
    details: r.details,
    kind: r.kind as AgendaItemKind,
    minutes: r.minutes,
    state: r.state as ProposalState,
    reason: r.reason,
    itemId: r.itemId,
    createdAt: r.createdAt.toISOString(),
    decidedAt: r.decidedAt ? r.decidedAt.toISOString() : null,
  };
}

/** The agenda's rows: the run state (current item, stages, discussion times) and members' proposals. */
export class AgendaStore {
  constructor(private readonly db: Db) {}

  async run(meetingId: MeetingId, tx: Tx | Db = this.db): Promise<RunState> {
    const [row] = await tx.select().from(agendaRuns).where(eq(agendaRuns.meetingId, meetingId));
    const items = await tx.select().from(agendaItemRuns).where(eq(agendaItemRuns.meetingId, meetingId));
    return {
      version: row?.version ?? 0,
      currentItemId: row?.currentItemId ?? null,
      items: new Map(
        items.map((r) => [
          r.itemId,
          {
            itemId: r.itemId,
            stage: r.stage as StoredStage,
            startedAt: ms(r.startedAt),
            endedAt: ms(r.endedAt),
            spentMs: r.spentMs,
            resumedAt: ms(r.resumedAt),
          },
        ]),
      ),
    };
  }

  /** The database's clock in ms (the times of the run state are by it, whatever each instance's clock says). */
  async now(tx: Tx | Db = this.db): Promise<number> {
    const r = (await tx.execute(sql`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`)) as unknown as { rows: { now: number }[] };
    return Math.round(Number(r.rows[0]!.now));
  }

  async currentItem(meetingId: MeetingId): Promise<string | null> {
    const [row] = await this.db.select({ c: agendaRuns.currentItemId }).from(agendaRuns).where(eq(agendaRuns.meetingId, meetingId));
    return row?.c ?? null;
  }

  /**
   * A move by the facilitator, in one transaction: only in a live meeting (its row held FOR
   * SHARE, so it cannot close meanwhile), only from `expectedVersion` (else conflict), with the
   * decision taken on the locked state; times by the database's clock; logged in meeting_log.
   */
  async move(meetingId: MeetingId, expectedVersion: number, actor: MemberId, decide: (run: RunState) => MoveDecision): Promise<RunState> {
    return this.db.transaction(async (tx) => {
      const [meeting] = await tx.select({ state: meetings.state }).from(meetings).where(eq(meetings.id, meetingId)).for('share');
      if (!meeting) throw new AppError('not_found', 'meeting');
      const state = meeting.state as MeetingState;
      if (state === 'closed') throw new AppError('meeting_closed');
      if (state !== 'live') throw new AppError('meeting_not_live', `the meeting is ${state}`);
      await tx.insert(agendaRuns).values({ meetingId }).onConflictDoNothing();
      await tx.select().from(agendaRuns).where(eq(agendaRuns.meetingId, meetingId)).for('update');
      const run = await this.run(meetingId, tx);
      if (run.version !== expectedVersion) throw new AppError('conflict', `the agenda moved meanwhile (version ${run.version})`);
      const decision = decide(run);
      const now = new Date(await this.now(tx));
      const from = run.currentItemId;
      const to = decision.current;
      const upsert = (itemId: string, set: Partial<typeof agendaItemRuns.$inferInsert>, stage: StoredStage) =>
        tx
          .insert(agendaItemRuns)
          .values({ meetingId, itemId, stage, ...set })
          .onConflictDoUpdate({ target: [agendaItemRuns.meetingId, agendaItemRuns.itemId], set: { stage, ...set } });
      const stageOf = (itemId: string): StoredStage => decision.stages.get(itemId) ?? run.items.get(itemId)?.stage ?? 'pending';
      if (from !== null && from !== to) {
        // Its discussion ends: this stretch is added to its time.
        const prev = run.items.get(from);
        const spent = (prev?.spentMs ?? 0) + (prev?.resumedAt ? Math.max(0, now.getTime() - prev.resumedAt) : 0);
        await upsert(from, { endedAt: now, spentMs: spent, resumedAt: null }, stageOf(from));
      }
      if (to !== null && to !== from) {
        const startedAt = run.items.get(to)?.startedAt;
        await upsert(to, { startedAt: startedAt ? new Date(startedAt) : now, endedAt: null, resumedAt: now }, stageOf(to));
      }
      for (const [itemId, stage] of decision.stages) {
        if ((itemId === from || itemId === to) && from !== to) continue; // written just above
        await upsert(itemId, {}, stage);
      }
      await tx
        .update(agendaRuns)
        .set({ currentItemId: to, version: run.version + 1 })
        .where(eq(agendaRuns.meetingId, meetingId));
      await tx.insert(meetingLog).values({
        meetingId,
        actorMemberId: actor,
        action: `agenda.${decision.log.action}`,
        detail: { from, to, version: run.version + 1, ...decision.log.detail },
      });
      return this.run(meetingId, tx);
    });
  }

  // ---- proposals ----

  /** A member proposes an item, only before the meeting starts (draft or scheduled), at most a few pending at once. */
  async propose(input: {
    meetingId: MeetingId;
    proposerId: MemberId;
    title: string;
    details: string;
    kind: AgendaItemKind;
    minutes: number;
  }): Promise<Proposal> {
    const id = randomUUID() as ProposalId;
    await this.db.transaction(async (tx) => {
      const [meeting] = await tx.select({ state: meetings.state }).from(meetings).where(eq(meetings.id, input.meetingId)).for('share');
      if (!meeting) throw new AppError('not_found', 'meeting');
      if (meeting.state === 'closed') throw new AppError('meeting_closed');
      if (meeting.state !== 'draft' && meeting.state !== 'scheduled') throw new AppError('proposals_closed');
      const [{ n }] = (await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(agendaProposals)
        .where(
          and(eq(agendaProposals.meetingId, input.meetingId), eq(agendaProposals.proposerId, input.proposerId), eq(agendaProposals.state, 'pending')),
        )) as [{ n: number }];
      if (n >= AGENDA_LIMITS.pendingProposalsPerMember) throw new AppError('rate_limited', 'too many pending proposals');
      await tx.insert(agendaProposals).values({ id, ...input, state: 'pending' });
      await tx
        .insert(meetingLog)
        .values({ meetingId: input.meetingId, actorMemberId: input.proposerId, action: 'agenda.propose', detail: { proposalId: id } });
    });
    return this.proposal(id);
  }

  async proposal(id: ProposalId): Promise<Proposal> {
    const [row] = await this.db
      .select({ p: agendaProposals, name: members.name })
      .from(agendaProposals)
      .innerJoin(members, eq(members.id, agendaProposals.proposerId))
      .where(eq(agendaProposals.id, id));
    if (!row) throw new AppError('not_found', 'proposal');
    return toProposal(row.p, row.name);
  }

  /** A meeting's proposals, oldest first; only one member's when `proposerId` is given. */
  async proposals(meetingId: MeetingId, proposerId?: MemberId): Promise<Proposal[]> {
    const rows = await this.db
      .select({ p: agendaProposals, name: members.name })
      .from(agendaProposals)
      .innerJoin(members, eq(members.id, agendaProposals.proposerId))
      .where(and(eq(agendaProposals.meetingId, meetingId), proposerId ? eq(agendaProposals.proposerId, proposerId) : undefined))
      .orderBy(asc(agendaProposals.createdAt), asc(agendaProposals.id));
    return rows.map((r) => toProposal(r.p, r.name));
  }

  /**
   * Decides a pending proposal once: accepted (with the item it became) or declined (with the
   * reason); a second decision is refused (proposal_decided), whichever came first.
   */
  async decide(
    id: ProposalId,
    by: MemberId,
    outcome: { state: 'accepted'; itemId: string } | { state: 'declined'; reason: string },
  ): Promise<Proposal> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(agendaProposals).where(eq(agendaProposals.id, id)).for('update');
      if (!row) throw new AppError('not_found', 'proposal');
      const [meeting] = await tx.select({ state: meetings.state }).from(meetings).where(eq(meetings.id, row.meetingId)).for('share');
      if (meeting?.state === 'closed') throw new AppError('meeting_closed');
      if (row.state !== 'pending') throw new AppError('proposal_decided', row.state);
      await tx
        .update(agendaProposals)
        .set({
          state: outcome.state,
          reason: outcome.state === 'declined' ? outcome.reason : null,
          itemId: outcome.state === 'accepted' ? outcome.itemId : null,
          decidedBy: by,
          decidedAt: new Date(),
        })
        .where(eq(agendaProposals.id, id));
      await tx.insert(meetingLog).values({
        meetingId: row.meetingId,
        actorMemberId: by,
        action: `agenda.${outcome.state === 'accepted' ? 'accept' : 'decline'}`,
        detail: { proposalId: id },
      });
    });
    return this.proposal(id);
  }

  /** The meeting a proposal belongs to (to authorise an action on it). */
  async proposalMeeting(id: ProposalId): Promise<MeetingId> {
    const [row] = await this.db.select({ m: agendaProposals.meetingId }).from(agendaProposals).where(eq(agendaProposals.id, id));
    if (!row) throw new AppError('not_found', 'proposal');
    return row.m as MeetingId;
  }
}
