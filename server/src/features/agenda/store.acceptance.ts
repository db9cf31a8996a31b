import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { MeetingId, MemberId, ProposalId } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { StoreCase } from '../../storage/acceptance-context.ts';
import { meetingLog } from '../../storage/schema.ts';
import type { MoveDecision, RunState } from './store.ts';

/**
 * The agenda's rows: the run state (moves with versions, discussion times by the database's
 * clock, the meeting's state checked in the move's transaction, every move logged) and proposals.
 * Runs on each driver by storage/store.acceptance.ts, on a meeting of its own.
 */
export function agendaStoreAcceptance(t: StoreCase): void {
  let meetingId: MeetingId;
  let proposerId: MemberId;
  const go =
    (current: string | null, stages: [string, 'pending' | 'discussing' | 'deferred'][] = [], action = 'goto') =>
    (): MoveDecision => ({ current, stages: new Map(stages), log: { action } });

  it('moves only in a live meeting, from the version it names', async () => {
    meetingId = await t.store.meetings.create(
      t.councilId as never,
      { title: '议程', startsAt: '2026-12-02T19:00:00+08:00', place: '', mode: 'in_person' },
      t.adminId,
    );
    expect(await t.store.agenda.run(meetingId)).toEqual({ version: 0, currentItemId: null, items: new Map() });
    await expect(t.store.agenda.move(meetingId, 0, t.adminId, go('a', [['a', 'discussing']]))).rejects.toMatchObject({ code: 'meeting_not_live' });
    await t.store.meetings.transition(meetingId, 'live', t.adminId);
    const run = await t.store.agenda.move(meetingId, 0, t.adminId, go('a', [['a', 'discussing']]));
    expect(run.version).toBe(1);
    expect(run.currentItemId).toBe('a');
    expect(run.items.get('a')).toMatchObject({ stage: 'discussing', endedAt: null, spentMs: 0 });
    expect(run.items.get('a')!.startedAt).toBe(run.items.get('a')!.resumedAt);
    await expect(t.store.agenda.move(meetingId, 0, t.adminId, go('b'))).rejects.toMatchObject({ code: 'conflict' });
    expect(await t.store.agenda.currentItem(meetingId)).toBe('a');
  });

  it('ends the discussion of the item it leaves, keeps its time when it comes back, and logs every move', async () => {
    await new Promise((r) => setTimeout(r, 30));
    const run = await t.store.agenda.move(meetingId, 1, t.adminId, go('b', [['b', 'discussing']], 'next'));
    const a = run.items.get('a')!;
    expect(a.resumedAt).toBeNull();
    expect(a.endedAt).not.toBeNull();
    expect(a.spentMs).toBeGreaterThanOrEqual(25);
    expect(run.items.get('b')).toMatchObject({ stage: 'discussing', endedAt: null });
    const back = await t.store.agenda.move(meetingId, 2, t.adminId, go('a', [['a', 'discussing']], 'previous'));
    expect(back.items.get('a')).toMatchObject({ startedAt: a.startedAt, endedAt: null, spentMs: a.spentMs });
    expect(back.items.get('a')!.resumedAt).not.toBeNull();
    const logged = await t.store.db.select().from(meetingLog).where(eq(meetingLog.meetingId, meetingId));
    expect(logged.filter((l) => l.action.startsWith('agenda.')).map((l) => [l.action, l.detail])).toEqual([
      ['agenda.goto', { from: null, to: 'a', version: 1 }],
      ['agenda.next', { from: 'a', to: 'b', version: 2 }],
      ['agenda.previous', { from: 'b', to: 'a', version: 3 }],
    ]);
  });

  it('changes nothing when the decision refuses, and stores stages of items that are not current', async () => {
    const before = await t.store.agenda.run(meetingId);
    await expect(
      t.store.agenda.move(meetingId, 3, t.adminId, () => {
        throw new AppError('stage_not_allowed');
      }),
    ).rejects.toMatchObject({ code: 'stage_not_allowed' });
    expect(await t.store.agenda.run(meetingId)).toEqual(before);
    const run = await t.store.agenda.move(meetingId, 3, t.adminId, go('a', [['c', 'deferred']], 'defer'));
    expect(run.items.get('c')).toMatchObject({ stage: 'deferred', startedAt: null, resumedAt: null });
    expect(run.currentItemId).toBe('a');
    const none = await t.store.agenda.move(meetingId, 4, t.adminId, go(null));
    expect(none.currentItemId).toBeNull();
    expect(none.items.get('a')!.resumedAt).toBeNull();
  });

  it('lets only one of two moves from the same version win', async () => {
    const moves: ((r: RunState) => MoveDecision)[] = [go('x', [['x', 'discussing']]), go('y', [['y', 'discussing']])];
    const results = await Promise.allSettled(moves.map((m) => t.store.agenda.move(meetingId, 5, t.adminId, m)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['conflict']);
    expect((await t.store.agenda.run(meetingId)).version).toBe(6);
  });

  it('reads the database clock', async () => {
    const now = await t.store.agenda.now();
    expect(Math.abs(now - Date.now())).toBeLessThan(5_000);
  });

  it('takes proposals before the meeting only, shows each member their own, and decides each once', async () => {
    const draft = await t.store.meetings.create(
      t.councilId as never,
      { title: '提议', startsAt: '2026-12-03T19:00:00+08:00', place: '', mode: 'in_person' },
      t.adminId,
    );
    const c = await t.store.councils.get(t.councilId as never);
    proposerId = c.members.find((m) => m.id !== t.adminId)!.id;
    const body = { meetingId: draft, title: '加装电梯', details: '三号楼\n业主意见', kind: 'decision' as const, minutes: 15 };
    const p = await t.store.agenda.propose({ ...body, proposerId });
    expect(p).toMatchObject({
      state: 'pending',
      title: '加装电梯',
      details: '三号楼\n业主意见',
      reason: null,
      itemId: null,
      proposer: { memberId: proposerId },
    });
    const q = await t.store.agenda.propose({ ...body, title: '停车', proposerId: t.adminId });
    expect((await t.store.agenda.proposals(draft)).map((x) => x.id)).toEqual([p.id, q.id]);
    expect((await t.store.agenda.proposals(draft, proposerId)).map((x) => x.id)).toEqual([p.id]);
    const declined = await t.store.agenda.decide(p.id, t.adminId, { state: 'declined', reason: '下次会议再议' });
    expect(declined).toMatchObject({ state: 'declined', reason: '下次会议再议', itemId: null });
    expect(declined.decidedAt).not.toBeNull();
    await expect(t.store.agenda.decide(p.id, t.adminId, { state: 'accepted', itemId: p.id })).rejects.toMatchObject({ code: 'proposal_decided' });
    expect((await t.store.agenda.proposal(p.id)).state).toBe('declined');
    const both = await Promise.allSettled([
      t.store.agenda.decide(q.id, t.adminId, { state: 'accepted', itemId: q.id }),
      t.store.agenda.decide(q.id, t.adminId, { state: 'declined', reason: 'no' }),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await t.store.agenda.proposalMeeting(q.id)).toBe(draft);
    await expect(t.store.agenda.proposal('00000000-0000-4000-8000-000000000000' as ProposalId)).rejects.toMatchObject({ code: 'not_found' });
    await t.store.meetings.transition(draft, 'live', t.adminId);
    await expect(t.store.agenda.propose({ ...body, proposerId })).rejects.toMatchObject({ code: 'proposals_closed' });
    expect(await t.store.agenda.proposals(draft)).toHaveLength(2);
  });
}
